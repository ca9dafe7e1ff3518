"""Zone fact sheets (one per industrial zone, economic zone and cluster) and the compare page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
from jinja2 import Environment, PackageLoader, select_autoescape

from geo_industry.crs import METRIC_CRS
from geo_industry.errors import InvalidParameter, NotFound
from geo_industry.i18n import data_language
from geo_industry.maps.base import PageContext, add_page_chrome, fit_at_once, new_map
from geo_industry.maps.controls import Panel, Script
from geo_industry.maps.data import MapData
from geo_industry.maps.format import computed_text, indicator_label, is_missing, number, quantity
from geo_industry.maps.investor import AVAILABLE_LAND_FIELD, FactLine, InvestorSheet, investor_sheet, occupancy_fact
from geo_industry.maps.language import free_text_html, in_language
from geo_industry.maps.layers import add_site_layer, site_layer
from geo_industry.maps.popups import area_text, name_languages, names, precision_text
from geo_industry.maps.series import entity_rows
from geo_industry.maps.styles import is_approximate, occupancy
from geo_industry.maps.symbols import LAYER_SYMBOLS, outline_symbol, zone_symbol
from geo_industry.raster.criteria import DEFAULT_MAX_SLOPE_DEG, DISTANCE_CRITERIA
from geo_industry.raster.distances import UncertainDistance, distance_interval, site_position
from geo_industry.web_safety import source_link

ZONE_LAYERS = ("industrial_zones", "industrial_clusters")
OUTLINE_LAYER = "zone_outlines"
NEARBY_KM = 20.0
INDUSTRIES_FIELD = "priority_sectors"
"""The schema's field for a zone's permitted / priority industries (free text)."""
# Available (unleased) land has no field in the curated schema: it comes from investor_facts.csv.

_env = Environment(loader=PackageLoader("geo_industry", "templates/maps"), autoescape=select_autoescape())
_env.globals.update(source_link=source_link)


#: the fact sheet's print button (a listener: the page's policy allows no inline event handlers)
PRINT_BUTTON_JS = ('document.querySelectorAll(".gi-print").forEach(function (b) {'
                   ' b.addEventListener("click", function () { window.print(); }); });')


class ZoneNotFound(NotFound):
    """No industrial zone, economic zone or cluster with that id."""


@dataclass
class ZoneFacts:
    """What a fact sheet shows about one zone, already formatted for the page language."""

    id: str
    kind: str
    name: str
    other_name: str
    approximate: bool
    precision: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    area_alternatives: list[tuple[str, str]] = field(default_factory=list)
    distances: list[tuple[str, str, str]] = field(default_factory=list)
    nearby_mines: list[tuple[str, str]] = field(default_factory=list)
    nearby_power: list[tuple[str, str]] = field(default_factory=list)
    statistics: list[tuple[str, str, str, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    contributions: list[tuple[str, str, str]] = field(default_factory=list)
    """(criterion, value, points) of the suitability score, when the zone was assessed."""
    analysis_notes: list[str] = field(default_factory=list)
    location_unknown: bool = False
    """No position at all: nearby lists say "location unknown", never "none"."""
    placeholder_inputs: list[str] = field(default_factory=list)
    """Inputs whose position is a district seat standing in (translated criterion labels)."""
    unlocated_mines: int = 0
    unlocated_power: int = 0
    """Sites without a position, which the nearby lists cannot have checked."""
    investor: InvestorSheet = field(default_factory=InvestorSheet)
    """Published figures, incentives, land price and contacts from ``investor_facts.csv``."""
    members: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(zone id, name, kind, area) of the zones inside this economic zone (``in_economic_zone``)."""
    part_of: tuple[str, str] | None = None
    """(id, name) of the economic zone this zone lies in."""
    as_of: str = ""
    """The date of the zone's record (``as_of``)."""

    fact_sources: list[str] = field(default_factory=list)
    """The sources of the investor facts, numbered in this order on the sheet."""
    unpublished: set[str] = field(default_factory=set)
    """Labels of the rows nothing published gives a value for."""

    @property
    def sheet_rows(self) -> list[tuple[str, str]]:
        """The rows with a value: the fact sheet says what is not published once, with whom to ask."""
        return [(label, value) for label, value in self.rows if label not in self.unpublished]


def zone_rows(data: MapData) -> list[dict[str, Any]]:
    """Every zone and cluster as a row dict, in layer order."""
    return [dict(r) for layer in ZONE_LAYERS for _, r in data.layer(layer).iterrows()]


def _metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    located = frame[frame.geometry.notna()]
    return located.to_crs(METRIC_CRS) if not located.empty else located


def distance_text(distance: UncertainDistance, ctx: PageContext) -> str:
    """A distance as the reader should see it: '3.4 ± 1.0 km', a range, or why it is unknown."""
    def km(value: float | None) -> str:
        return number(value, ctx.lang, digits=1)

    if distance.status == "measured":
        return (ctx.t("zone.distance_pm", value=km(distance.distance_km), spread=km(distance.uncertainty_km))
                if distance.uncertainty_km else f"{km(distance.distance_km)} km")
    if distance.status == "range":
        return ctx.t("zone.distance_range", upper=km(distance.upper_km))
    if distance.status == "placeholder":
        return ctx.t("zone.distance_placeholder", lower=km(distance.lower_km), upper=km(distance.upper_km))
    return ctx.t("zone.location_unknown") if distance.status == "location unknown" else ctx.t("zone.unknown")


def _within(zone_row: dict[str, Any], zone: Any, frame: gpd.GeoDataFrame, ctx: PageContext,
            suffix: Any = None) -> list[tuple[str, str]]:
    """Sites whose position lies within NEARBY_KM of the zone's, each with its distance interval."""
    if frame.empty or zone is None:
        return []
    here = site_position(zone_row, zone)
    found = []
    for row in (dict(r) for _, r in frame.iterrows()):
        there = site_position(row, row.get("geometry"))
        if there.geometry is None or here.geometry is None:
            continue
        km = here.geometry.distance(there.geometry) / 1000
        if km <= NEARBY_KM:
            spread = here.uncertainty_km + there.uncertainty_km
            placeholder = "placeholder" if here.placeholder or there.placeholder else None
            interval = distance_interval("nearby", km - spread, km + spread, None, placeholder=placeholder)
            found.append((km, row, interval))
    found.sort(key=lambda item: item[0])
    return [(names(row, ctx.lang)[0], distance_text(interval, ctx) + (suffix(row) if suffix else ""))
            for _, row, interval in found]


_CRITERION_LAYERS = {
    "border_gate": ("border_gates",),
    "railway": ("transport", "transport_lines"),
    "national_road": ("transport_lines",),
    "expressway": ("transport", "transport_lines"),
    "hydropower": ("hydropower_plants",),
    "copper_mine": ("mines",),
    "apatite_mine": ("mines",),
}


def _site_frames(data: MapData, layers: tuple[str, ...]) -> list[gpd.GeoDataFrame]:
    """The frames of ``layers``: industry layers from ``data.layers``, reference ones (transport lines) from
    ``data.reference``."""
    reference = {r.kind: r.frame for r in data.reference}
    return [data.layers[layer] if layer in data.layers else reference.get(layer, data.layer(layer))
            for layer in layers]


def _site_name(data: MapData, layers: tuple[str, ...], site_id: str | None, ctx: PageContext) -> str:
    for frame in _site_frames(data, layers):
        if "id" not in frame:
            continue
        found = frame[frame["id"].astype(str) == site_id] if site_id is not None and not frame.empty else frame.iloc[:0]
        if not found.empty:
            return names(dict(found.iloc[0]), ctx.lang)[0]
    return site_id or ctx.t("zone.unknown")


def _statistics_rows(data: MapData, zone_id: str, ctx: PageContext) -> list[tuple[str, str, str, str]]:
    """Each stored row as published: its period beside the year, price basis of money values, and
    other sources (``variant`` > 0) marked as such; nothing summed or picked."""
    rows = entity_rows(data.statistics, zone_id)
    if rows.empty:
        return []
    out = []
    for _, s in rows.sort_values([c for c in ("indicator", "year", "period", "variant") if c in rows]).iterrows():
        period = "" if is_missing(s.get("period")) or s["period"] == "FY" else f" {s['period']}"
        value = quantity(s["value"], s["unit"], ctx.lang)
        price = s.get("price_basis")
        if s.get("unit") == "bn_vnd" and not is_missing(price):
            value += f" ({ctx.t(f'price_basis.{price}')})"
        basis = ctx.t(f"basis.{s['basis']}") + computed_text(s.get("derivation"), ctx.lang)
        if int(s.get("variant") or 0) > 0:
            basis += f" · {ctx.t('stats.other_source')}"
        year = ctx.t("stats.undated") if is_missing(s.get("year")) else str(int(s["year"]))
        out.append((indicator_label(str(s["indicator"]), ctx.lang), f"{year}{period}", value, basis))
    return out


def _analysis(facts: ZoneFacts, assessment: Any, data: MapData, ctx: PageContext) -> None:
    """Distances (with their uncertainty), mean slope, score and its reasons from the zone's assessment."""
    facts.distances = []
    for criterion in DISTANCE_CRITERIA:
        distance = assessment.distances.get(criterion) if assessment is not None else None
        if distance is None:
            text = ctx.t("zone.location_unknown" if facts.location_unknown else "zone.unknown")
            facts.distances.append((ctx.t(f"analysis.criterion.{criterion}"), text, "–"))
            continue
        name = (_site_name(data, _CRITERION_LAYERS[criterion], distance.nearest, ctx)
                if distance.nearest is not None else "–")
        facts.distances.append((ctx.t(f"analysis.criterion.{criterion}"), name, distance_text(distance, ctx)))
    slope = assessment.mean_slope_deg if assessment is not None else None
    score = assessment.suitability.score if assessment is not None else None
    facts.rows += [
        (ctx.t("zone.mean_slope"), f"{number(slope, ctx.lang, digits=1)}°" if slope is not None else "–"),
        (ctx.t("zone.score"), number(score, ctx.lang, digits=1) if score is not None else "–"),
    ]
    if assessment is None:
        return
    facts.placeholder_inputs = [ctx.t("zone.placeholder_location") if c == "zone_location"
                                else ctx.t(f"analysis.criterion.{c}") for c in assessment.placeholder_inputs]
    for c in assessment.suitability.contributions:
        distance = assessment.distances.get(c.criterion)
        value = (f"{number(c.value, ctx.lang, digits=1)}°" if c.criterion == "slope" or distance is None
                 else distance_text(distance, ctx))
        facts.contributions.append(
            (ctx.t(f"analysis.criterion.{c.criterion}"), value, f"+{number(c.contribution, ctx.lang, digits=1)}")
        )
    if assessment.suitability.excluded_by:
        facts.analysis_notes.append(ctx.t("zone.excluded_steep", max=f"{DEFAULT_MAX_SLOPE_DEG:g}"))
    if facts.placeholder_inputs:
        facts.analysis_notes.append(ctx.t("zone.placeholder_note", criteria=", ".join(facts.placeholder_inputs)))
    if assessment.suitability.missing:
        labels = ", ".join(ctx.t(f"analysis.criterion.{c}") for c in assessment.suitability.missing)
        facts.analysis_notes.append(ctx.t("zone.missing", criteria=labels))


def zone_facts(row: dict[str, Any], data: MapData, ctx: PageContext) -> ZoneFacts:
    """Collect and format the facts of one zone for ``ctx.lang``."""
    primary, other = names(row, ctx.lang)
    zone_id = str(row["id"])
    other_html = in_language(other, name_languages(row, ctx.lang)[1], ctx.lang)  # its language marked
    kind = ctx.t(f"zone.kind.{row.get('kind')}")
    facts = ZoneFacts(zone_id, kind, primary, other_html, is_approximate(row), precision_text(row, ctx))
    industries = row.get(INDUSTRIES_FIELD)
    facts.investor = investor_sheet(row, data.investor_facts, ctx.lang, parent_name=_parent_name(row, data, ctx))
    inv = facts.investor
    lines = [*inv.published, *inv.area_class, *inv.incentives, *inv.land, *inv.contact]
    facts.fact_sources = list(dict.fromkeys(line.source for line in lines))
    occupancy_value = occupancy_text(row, data, ctx)
    available = [line for line in facts.investor.published if line.field == AVAILABLE_LAND_FIELD]
    known_rows = [
        (ctx.t("field.district"), free_text_html(row.get("district"), ctx.lang) or "–", True),
        (ctx.t("popup.status"), ctx.t(f"status.{row.get('status') or 'unknown'}"), True),
        (ctx.t("popup.operator"), free_text_html(row.get("operator"), ctx.lang) or "–", True),
        (ctx.t("zone.area"), area_text(row, ctx) or ctx.t("zone.unknown"), True),
        (ctx.t("zone.occupancy"), occupancy_value or ctx.t("zone.not_published"), bool(occupancy_value)),
        (ctx.t("zone.available_land"),
         f"{available[0].value} ha ({available[0].as_of})" if available else ctx.t("zone.not_published"),
         bool(available)),
        (ctx.t("zone.industries"),
         ctx.t("zone.not_published") if is_missing(industries) else free_text_html(industries, ctx.lang),
         not is_missing(industries)),
        (ctx.t("field.start_year"), str(int(row["start_year"])) if not is_missing(row.get("start_year")) else "–",
         True),
    ]
    facts.rows = [(label, value) for label, value, _ in known_rows]
    facts.unpublished = {label for label, _, known in known_rows if not known}
    facts.as_of = "" if is_missing(row.get("as_of")) else str(row["as_of"])
    facts.members = member_rows(row, data, ctx)
    parent = row.get("in_economic_zone")
    if not is_missing(parent):
        facts.part_of = (str(parent), _parent_name(row, data, ctx))
    alternatives = row.get("area_ha_alternatives")
    if isinstance(alternatives, list):
        facts.area_alternatives = [
            (quantity(a.get("value"), "ha", ctx.lang), str(a.get("source") or ""))
            for a in alternatives
            if isinstance(a, dict)
        ]
    outline = outline_rows(data, row)
    geom = outline[0]["geometry"] if outline else row.get("geometry")  # measured from the surveyed outline
    zone_metric = None
    if geom is not None and not is_missing(geom):
        zone_metric = gpd.GeoSeries([geom], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    facts.location_unknown = zone_metric is None
    _analysis(facts, data.assessments.get(zone_id), data, ctx)
    facts.nearby_mines = _within(row, zone_metric, _metric(data.layer("mines")), ctx)
    facts.nearby_power = _within(
        row,
        zone_metric,
        _metric(data.layer("hydropower_plants")),
        ctx,
        lambda r: f" · {number(r.get('installed_mw'), ctx.lang)} MW" if not is_missing(r.get("installed_mw")) else "",
    )
    facts.unlocated_mines = int(data.layer("mines").geometry.isna().sum())
    facts.unlocated_power = int(data.layer("hydropower_plants").geometry.isna().sum())
    facts.statistics = _statistics_rows(data, zone_id, ctx)
    sources = row.get("sources")
    facts.sources = [str(s) for s in sources] if isinstance(sources, list) else []
    return facts


def occupancy_text(row: dict[str, Any], data: MapData, ctx: PageContext) -> str:
    """The zone's occupancy with its date: the schema's ``occupancy_pct``, else the published
    row of the investor facts as the source words it; empty when neither exists."""
    occ = occupancy(row)
    if occ is not None:
        as_of = "" if is_missing(row.get("occupancy_as_of")) else f" ({row['occupancy_as_of']})"
        return f"{number(occ, ctx.lang)} %{as_of}"
    line: FactLine | None = occupancy_fact(row, data.investor_facts, ctx.lang)
    if line is None:
        return ""
    return f"{line.value} ({line.as_of})" if line.as_of else line.value


def _parent_name(row: dict[str, Any], data: MapData, ctx: PageContext) -> str:
    parent = row.get("in_economic_zone")
    if is_missing(parent):
        return ""
    found = [r for r in zone_rows(data) if str(r["id"]) == str(parent)]
    return names(found[0], ctx.lang)[0] if found else str(parent)


def member_rows(row: dict[str, Any], data: MapData, ctx: PageContext) -> list[tuple[str, str, str, str]]:
    """(id, name, kind, area) of every zone whose ``in_economic_zone`` is this zone, in layer order."""
    zone_id = str(row["id"])
    return [
        (str(r["id"]), names(r, ctx.lang)[0], ctx.t(f"zone.kind.{r.get('kind')}"),
         area_text(r, ctx) or ctx.t("zone.unknown"))
        for r in zone_rows(data)
        if not is_missing(r.get("in_economic_zone")) and str(r["in_economic_zone"]) == zone_id
    ]


def outline_rows(data: MapData, row: dict[str, Any]) -> list[dict[str, Any]]:
    """The surveyed outline of a zone (``zone_outlines`` row named by its ``outline_id``), if any."""
    outline_id = row.get("outline_id")
    frame = data.layer(OUTLINE_LAYER)
    if is_missing(outline_id) or frame.empty:
        return []
    return [dict(r) for _, r in frame[frame["id"].astype(str) == str(outline_id)].iterrows()]


def find_zone(data: MapData, zone_id: str) -> dict[str, Any]:
    """The zone row with ``zone_id``, or :class:`ZoneNotFound`."""
    for row in zone_rows(data):
        if str(row["id"]) == zone_id:
            return row
    raise ZoneNotFound(f"no industrial zone, economic zone or cluster with id {zone_id!r}")


def build_zone_page(data: MapData, ctx: PageContext, zone_id: str) -> folium.Map:
    """Build the printable fact sheet of one zone: a location map and the facts below it."""
    row = find_zone(data, zone_id)
    facts = zone_facts(row, data, ctx)
    m = new_map(data, ctx, minimap=False)
    add_page_chrome(
        m,
        ctx,
        page="zones",
        title=facts.name,
        panel=True,
        lang_url={code: ctx.urls.zone(zone_id, code) for code in ("vi", "en", "zh-CN")},
    )
    geom = row.get("geometry")
    area = geom.buffer(NEARBY_KM / 100) if geom is not None and not is_missing(geom) else None
    for layer_id in ("mines", "hydropower_plants", "border_gates", "transport"):
        frame = data.layer(layer_id)
        nearby = frame[frame.intersects(area)] if area is not None and not frame.empty else frame.iloc[:0]
        if not nearby.empty:
            symbol, _ = LAYER_SYMBOLS[layer_id]
            rows = [dict(r) for _, r in nearby.iterrows()]
            add_site_layer(m, site_layer(layer_id, data, ctx, symbol=symbol, rows=rows))
    outlines = outline_rows(data, row)
    if outlines:
        name = f"{facts.name} · {ctx.t('legend.zone_outline')}"
        add_site_layer(m, site_layer(OUTLINE_LAYER, data, ctx, symbol=outline_symbol, rows=outlines, name=name))
    zone = site_layer("zone", data, ctx, symbol=zone_symbol, rows=[row], name=facts.name)
    add_site_layer(m, zone)
    if geom is not None and not is_missing(geom):
        fit_at_once(m, geom.buffer(0.08).bounds)
    panel = _env.get_template("zone.html").render(
        f=facts, t=ctx.t, lang=ctx.lang, data_lang=data_language(ctx.lang),
        zone_url=lambda zid: ctx.urls.zone(zid, ctx.lang), map_id=m.get_name(),
    )
    Panel(panel).add_to(m)
    Script(PRINT_BUTTON_JS).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def parse_zone_ids(value: str | list[str] | None, data: MapData) -> list[str]:
    """Zone ids for the compare page: 2 to 5 known ids (comma-separated or a list)."""
    ids = value.split(",") if isinstance(value, str) else list(value or [])
    ids = [i.strip() for i in ids if i.strip()]
    known = {str(r["id"]) for r in zone_rows(data)}
    if not 2 <= len(ids) <= 5 or not set(ids) <= known:
        raise InvalidParameter("zones", value, "2 to 5 comma-separated zone ids")
    return ids


def build_compare_page(data: MapData, ctx: PageContext, zone_ids: list[str] | None = None) -> str:
    """The compare page: every zone as a column, the selected 2–5 shown side by side.

    With ``zone_ids`` (validated with :func:`parse_zone_ids`) the page opens with them; the
    static site passes none and the reader ticks zones (kept in the URL fragment).
    """
    from geo_industry.maps.base import HEADER_CSS, header_bar

    zones = [zone_facts(r, data, ctx) for r in zone_rows(data)]
    selected = zone_ids or [z.id for z in zones[:2]]
    lang_url = {
        code: (ctx.urls.compare(selected, code) if zone_ids else ctx.urls.page("compare", code))
        for code in ("vi", "en", "zh-CN")
    }
    return _env.get_template("compare.html").render(
        zones=zones,
        selected=selected,
        t=ctx.t,
        css=HEADER_CSS,
        lang=ctx.lang,
        bar=header_bar(ctx, page="compare", title=ctx.t("zone.compare_title"), lang_url=lang_url),
        zone_url=lambda zid: ctx.urls.zone(zid, ctx.lang),
    )

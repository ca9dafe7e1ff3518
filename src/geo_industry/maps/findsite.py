"""The overview's "find a site" panel: filter zones and clusters, rank them for an investor profile.

The page carries one compact record per zone and cluster (the flat analysis properties the API
serves: ``area_ha``, ``sector``, ``status``, ``dist_*_km``, ``former_province``,
``placeholder_inputs``) and, per investor profile, the ranking :func:`rank_zones` gives (what
``/analysis/rankings?profile=…`` answers). ``static/maps/find-site.js`` filters them in the
browser with the semantics of the equivalent CQL2 query (a distance filter ``dist_border_gate_km <
20`` leaves out zones without that distance), lists the results and highlights them on the map.
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

from branca.element import Element, MacroElement
from jinja2 import Template

from geo_industry.errors import InvalidParameter
from geo_industry.maps.base import PageContext
from geo_industry.maps.data import MapData
from geo_industry.maps.format import is_missing
from geo_industry.maps.popups import names
from geo_industry.raster.analysis import rank_zones
from geo_industry.raster.criteria import CRITERION_TITLES
from geo_industry.raster.profiles import PROFILES
from geo_industry.web_safety import script_json

ZONE_LAYERS = ("industrial_zones", "industrial_clusters")
DISTANCES = ("border_gate", "railway", "national_road")
"""Distance filters offered, by criterion (property ``dist_<criterion>_km``)."""
STATUSES = ("operating", "under_construction", "approved", "planned")
PROVINCES = ("lao_cai", "yen_bai")
SCRIPT = "find-site.js"
"""The panel's script, in ``geo_industry/static/maps`` (inlined: the page's CSP hashes it)."""


def _number(value: Any) -> float | None:
    if is_missing(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _placeholders(value: Any) -> list[str]:
    if is_missing(value):
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _text(value: Any) -> str:
    return "" if is_missing(value) else str(value)


def area_ha(row: dict[str, Any]) -> float | None:
    """The zone's ``area_ha``, or ``None`` when not published."""
    return _number(row.get("area_ha"))


def site_record(row: dict[str, Any], layer_id: str, ctx: PageContext, var: str) -> dict[str, Any]:
    """What the panel filters, shows and highlights of one zone or cluster."""
    primary, _other = names(row, ctx.lang)
    geom = row.get("geometry")
    placeholders = _placeholders(row.get("placeholder_inputs"))
    located = geom is not None and not is_missing(geom) and not geom.is_empty and "zone_location" not in placeholders
    point = geom.representative_point() if located and geom is not None else None
    record: dict[str, Any] = {
        "id": str(row.get("id")),
        "layer": layer_id,
        "n": primary,
        "a": area_ha(row),
        "st": _text(row.get("status")),
        "sec": _text(row.get("sector")),
        "fp": _text(row.get("former_province")),
        "ph": placeholders,
        "ll": [round(point.y, 5), round(point.x, 5)] if point is not None else None,
        "v": var,
        "u": ctx.urls.zone(str(row.get("id")), ctx.lang),
    }
    for criterion in DISTANCES:
        record[criterion] = _number(row.get(f"dist_{criterion}_km"))
        record[f"{criterion}_u"] = _number(row.get(f"dist_{criterion}_uncertainty_km"))
    return record


def profile_rankings(data: MapData) -> dict[str, dict[str, Any]]:
    """Per investor profile: zone id → [rank, score, [[criterion, points]…], placeholders, excluded]."""
    assessments = list(data.assessments.values())
    if not assessments:
        return {}
    rankings: dict[str, dict[str, Any]] = {}
    for profile_id in PROFILES:
        try:
            ranking = rank_zones(assessments, profile=profile_id)
        except InvalidParameter:  # no weighted criterion has data (tiny test data)
            continue
        rankings[profile_id] = {
            z.zone_id: [z.rank, None if z.score is None else round(z.score, 1),
                        [[c.criterion, round(c.contribution, 1)] for c in z.contributions],
                        z.placeholder_inputs, z.excluded_by]
            for z in ranking.zones
        }
    return rankings


def panel_text(ctx: PageContext) -> dict[str, Any]:
    """Every label of the panel in the page language."""
    keys = ("title", "area_min", "area_max", "sector", "status", "any", "province", "profile", "profile_none",
            "results", "score", "reset", "no_results", "distance_unknown", "placeholder", "excluded", "fact_sheet",
            "sector_lang")
    text: dict[str, Any] = {k: ctx.t(f"find.{k}") for k in keys}
    text["distances"] = {c: ctx.t(f"find.{c}") for c in DISTANCES}
    text["criteria"] = {c: ctx.t(f"analysis.criterion.{c}") for c in CRITERION_TITLES}
    text["criteria"]["zone_location"] = ctx.t("zone.placeholder_location")
    text["statuses"] = {s: ctx.t(f"status.{s}") for s in STATUSES}
    text["provinces"] = {p: ctx.t(f"province.{p}") for p in PROVINCES}
    text["profiles"] = {p: ctx.t(f"profile.{p}") for p in PROFILES}
    text["ha"] = ctx.t("unit.ha")
    return text


def _script_source() -> str:
    return resources.files("geo_industry").joinpath("static", "maps", SCRIPT).read_text(encoding="utf-8")


class FindSitePanel(MacroElement):
    """The collapsed "find a site" control, top left under the search box."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.giFindSite({{ this._parent.get_name() }}, {{ this.payload }});
        {% endmacro %}
        """
    )

    def __init__(self, records: list[dict[str, Any]], rankings: dict[str, Any], ctx: PageContext) -> None:
        super().__init__()
        self._name = "FindSitePanel"
        self.payload = script_json({"sites": records, "rankings": rankings, "text": panel_text(ctx),
                                    "lang": ctx.lang})

    def render(self, **kwargs: Any) -> Any:
        """Render the call and put the panel's script in the page header once."""
        figure = self.get_root()
        figure.header.add_child(  # type: ignore[attr-defined]
            Element(f"<script>{_script_source()}</script>"), name="gi_find_site_js")
        return super().render(**kwargs)

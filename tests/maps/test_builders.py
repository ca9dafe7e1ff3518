"""Map builders render the expected HTML fragments (no browser)."""

from __future__ import annotations

import dataclasses
import json
import re
from html import escape

import pytest
import shapely

from geo_industry.errors import InvalidParameter
from geo_industry.i18n import LANGUAGES, catalog, translate
from geo_industry.maps.assets import VENDORED, UnvendoredAsset, localize_assets, vendor_dir
from geo_industry.maps.base import PageContext, render_page
from geo_industry.maps.charts import Bar, bar_chart_svg
from geo_industry.maps.copper import build_copper_map, chain_flows
from geo_industry.maps.energy import build_energy_map, latest_gwh
from geo_industry.maps.format import number, quantity
from geo_industry.maps.layers import site_layer
from geo_industry.maps.overview import build_overview_map
from geo_industry.maps.pages import render, render_zone
from geo_industry.maps.popups import area_text, popup_html
from geo_industry.maps.site import build_site_from_data
from geo_industry.maps.statistics_page import production_value
from geo_industry.maps.styles import (
    TRANSPORT_STYLES,
    commodity_class,
    flow_weight,
    gwh_class,
    is_approximate,
    mw_radius,
    occupancy_class,
)
from geo_industry.maps.symbols import legend_rows, legend_section, zone_symbol
from geo_industry.maps.urls import PageUrls, static_urls
from geo_industry.maps.zones import ZoneNotFound, build_compare_page, parse_zone_ids
from geo_industry.web_safety import script_json

from .conftest import APPROX_ZONE, COPPER_MINE, SMELTER, SURVEYED_ZONE, unlocated

EXTERNAL = re.compile(r'(?:src|href)="(https?://[^"]+)"')


SERVER_URLS = PageUrls()


def _row(data, layer_id, feature_id):
    frame = data.layer(layer_id)
    return dict(frame[frame["id"] == feature_id].iloc[0])


def _overview(data, lang="en", basemap="offline", urls=SERVER_URLS):
    ctx = PageContext(lang=lang, basemap=basemap, urls=urls)
    return render_page(build_overview_map(data, ctx), ctx)


def test_catalogs_share_keys():
    keys = [set(catalog(lang)) for lang in LANGUAGES]
    assert keys[0] == keys[1] == keys[2]


@pytest.mark.parametrize(("lang", "text"), [("vi", "Tổng quan"), ("en", "Overview"), ("zh-CN", "总览")])
def test_translate(lang, text):
    assert translate("nav.overview", lang) == text


@pytest.mark.parametrize(("percent", "cls"), [(None, "none"), (10, "low"), (50, "mid"), (80, "mid"), (80.1, "high")])
def test_occupancy_classes(percent, cls):
    assert occupancy_class(percent) == cls


@pytest.mark.parametrize(
    ("mine", "cls"),
    [(COPPER_MINE, "copper"), ("apatite-lao-cai-belt", "apatite"), ("quy-xa-iron-mine", "iron"),
     ("ben-den-rare-earth", "other")],
)
def test_commodity_classes(map_data, mine, cls):
    assert commodity_class(_row(map_data, "mines", mine)) == cls


def test_approximate_outline_is_dashed_and_pale():
    from geo_industry.maps.styles import path_style

    exact, approx = path_style("#f00", approximate=False), path_style("#f00", approximate=True)
    assert "dashArray" not in exact and approx["dashArray"] == "6 4"
    assert approx["fillOpacity"] < exact["fillOpacity"]


def test_sizes_grow_with_quantity():
    assert mw_radius(12) < mw_radius(90) <= 22 and mw_radius(None) == 5.0
    assert flow_weight(1000, 30000) < flow_weight(30000, 30000)
    assert gwh_class(None) == "none" and gwh_class(50) == "low" and gwh_class(600) == "high"


@pytest.mark.parametrize(
    ("layer_id", "feature", "approx"),
    [("industrial_zones", SURVEYED_ZONE, False), ("industrial_zones", APPROX_ZONE, True),
     ("border_gates", "lung-po-crossing", True)],  # no coordinate: coord_precision none
)
def test_approximate(map_data, layer_id, feature, approx):
    assert is_approximate(_row(map_data, layer_id, feature)) is approx


def test_legend_lists_present_classes(map_data, ctx):
    rows = [dict(r) for _, r in map_data.layer("mines").iterrows()]
    labels = [label for _, label in legend_rows("mines", rows, ctx)]
    assert labels == [translate(f"commodity.{c}", ctx.lang) for c in ("copper", "apatite", "iron", "other")]


def test_zone_legend_has_the_occupancy_classes_of_the_clusters(map_data):
    """Clusters publish occupancy_pct (11 of 34); zones publish none, so they are all 'unknown'.

    Both have built and not yet built sites: filled and hollow symbols follow the occupancy classes."""
    ctx = PageContext(lang="en")
    clusters = [dict(r) for _, r in map_data.layer("industrial_clusters").iterrows()]
    zones = [dict(r) for _, r in map_data.layer("industrial_zones").iterrows()]
    status = ["Filled: operating or under construction", "Hollow: planned or approved"]
    assert [label for _, label in legend_rows("industrial_clusters", clusters, ctx)] == [
        "over 80 % occupied", "50–80 % occupied", "under 50 % occupied", "occupancy unknown", *status]
    assert [label for _, label in legend_rows("industrial_zones", zones, ctx)] == ["occupancy unknown", *status]


def test_transport_legend_follows_transport_type(map_data, line_map_data):
    ctx = PageContext(lang="en")
    real = [dict(r) for _, r in map_data.layer("transport").iterrows()]
    labels = [label for _, label in legend_rows("transport", real, ctx)]
    assert labels == ["Railway", "Expressway", "Railway station", "Expressway interchange", "Airport",
                      "Inland port"]
    lines = [dict(r) for _, r in line_map_data.layer("transport").iterrows()]
    symbols = [symbol for symbol, _ in legend_rows("transport", lines, ctx)]
    assert all("<line" in s for s in symbols)  # lines get a line symbol, not a marker


def test_overview_has_every_layer_and_no_cdn(map_data):
    html = _overview(map_data)
    for title in ("Industrial zones", "Mines", "Processing plants", "Hydropower plants", "Border gates", "Transport"):
        assert title in html
    sources = {u for frame in map_data.layers.values() for urls in frame["sources"].dropna() for u in urls}
    assert set(EXTERNAL.findall(html)) <= sources  # the only links out are the features' sources
    assert 'src="/static/vendor/leaflet/leaflet.js"' in html
    assert "bootstrap" not in html and "fontawesome" not in html


def test_offline_basemap_adds_no_tile_layer(map_data):
    offline = _overview(map_data, basemap="offline")
    osm = _overview(map_data, basemap="osm")
    add_osm = re.compile(r"tile_layer_\w+\.addTo\(map_\w+\)")
    assert not add_osm.search(offline)
    assert add_osm.search(osm)
    assert "tile.openstreetmap.org" in osm and "OpenStreetMap\\u003c/a\\u003e contributors" in osm


def test_overview_counts_unmapped_and_approximate(map_data):
    html = _overview(map_data)
    for layer_id in ("industrial_zones", "mines", "hydropower_plants", "transport"):
        count = unlocated(map_data.layer(layer_id))
        assert f"{count} without a known location (not shown)" in html
    assert "Approximate location (dashed)" in html
    assert 'stroke-dasharray=\\"6,4\\"' in html and '"dashArray": "4 4"' in html  # uncertainty circles


def test_clustering(map_data):
    html = _overview(map_data)
    assert "L.markerClusterGroup(" in html
    assert '"disableClusteringAtZoom": 11' in html


def test_lines_are_paths_and_approximate_lines_are_dashed(line_map_data):
    html = _overview(line_map_data)
    railway, expressway = TRANSPORT_STYLES["railway"], TRANSPORT_STYLES["expressway"]
    solid = f'{{"color": "{railway.color}", "fillColor": "{railway.color}", "fillOpacity": 0, "opacity": 0.9, '
    solid += '"weight": 4}'
    dashed = f'{{"color": "{expressway.color}", "dashArray": "6 4", "fillColor": "{expressway.color}", "fillOpacity": 0'
    assert solid in html and dashed in html
    assert "Test line A" in html and "Test line B" in html


def test_search_index_folds_diacritics(map_data):
    html = _overview(map_data, lang="vi")
    assert '"n":"Mỏ đồng Sin Quyền (Sin Quyen copper mine)","v":' in html  # names folded in the page
    assert 'src="/static/maps/search.js"' in html and "window.giSearch(" in html


def test_coordinate_readout_uses_epsg_9208_with_helmert(map_data):
    html = _overview(map_data)
    assert 'proj4.defs("EPSG:9208"' in html
    assert "+towgs84=-191.90441429" in html and "+lon_0=104.75" in html


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "vi",
            [
                "Nhà máy luyện đồng Lào Cai (Tằng Loỏng)",
                "Lao Cai copper smelter (Tang Loong)",
                "Đơn vị vận hành",
                "Sản lượng đồng tấm (cathode)",
                "7.600 tấn",
                "thực hiện, 2011 Jan-Nov",
            ],
        ),
        (
            "en",
            [
                "Lao Cai copper smelter (Tang Loong)",
                "Nhà máy luyện đồng Lào Cai (Tằng Loỏng)",
                "Operator",
                "Copper cathode output",
                "7,600 t",
                "actual, 2011 Jan-Nov",
            ],
        ),
    ],
)
def test_popup_in_both_languages(map_data, lang, expected):
    row = _row(map_data, "processing_plants", SMELTER)
    html = popup_html(row, map_data, PageContext(lang=lang))
    for fragment in expected:
        assert fragment in html
    chart = re.search(r'<svg class="gi-chart".*?</svg>', html).group(0)
    # the chart holds full years only: the 2011 target, not the Jan-Nov actual beside it as if a year
    assert 'data-basis="target"' in chart and 'data-basis="actual"' not in chart
    assert f'href="{row["sources"][0]}"' in html


def test_popup_of_approximate_site_has_badge(map_data, ctx):
    row = _row(map_data, "processing_plants", SMELTER)  # estimated-3km, coord_radius_km 3
    html = popup_html(row, map_data, ctx)
    assert "gi-badge" in html and translate("precision.estimated", ctx.lang, km="3") in html


def _flows_from(flows, source):
    return [f for f in flows if f.source == source]


def _full_year_target(stats, entity, indicator):
    rows = stats[(stats["entity"] == entity) & (stats["indicator"] == indicator) & (stats["period"] == "FY")
                 & (stats["basis"] == "target") & (stats["variant"] == 0)]
    return {int(r.year): float(r.value) for r in rows.itertuples()}


def test_copper_each_flow_carries_its_own_indicator(map_data):
    stats = map_data.statistics
    flows = chain_flows(map_data)
    mine_links = _flows_from(flows, COPPER_MINE)
    assert {f.target for f in mine_links} == {"sin-quyen-concentrator-1", "sin-quyen-concentrator-2"}
    ore_targets = _full_year_target(stats, COPPER_MINE, "copper_ore_mined")
    for flow in mine_links:  # ore moves to the concentrators: the mine's ore, stated by the shared branch
        assert flow.indicator == "copper_ore_mined" and not flow.indicative
        assert {y: f.value for y, f in flow.figures.items()} == ore_targets
        assert flow.tonnes == {}  # targets only; the mine's one output figure has no year (below)
    concentrate = _flows_from(flows, "sin-quyen-concentrator-1")
    assert [f.indicator for f in concentrate] == ["copper_concentrate_output"]  # the concentrate, not the ore
    year, value = next(iter(_full_year_target(stats, COPPER_MINE, "copper_concentrate_output").items()))
    assert concentrate[0].figures[year].value == value
    assert concentrate[0].figures[year].entity == COPPER_MINE and concentrate[0].figures[year].shared == 2


def test_copper_figure_without_a_year_is_never_on_the_year_axis(map_data):
    stats = map_data.statistics
    undated = stats[(stats["entity"] == COPPER_MINE) & stats["year"].isna()]
    assert len(undated), "the research gives the Sin Quyền output without a year"
    drawn = {f.value for flow in chain_flows(map_data) for f in flow.figures.values()}
    assert not drawn & set(undated["value"])


def test_copper_exits_are_one_indicative_link_per_smelter(map_data):
    flows = chain_flows(map_data)
    exits = [f for f in flows if f.indicator == "copper_cathode_output"]
    assert sorted(f.source for f in exits) == ["ban-qua-copper-smelter", SMELTER]  # operating smelters only
    assert all(f.indicative for f in exits)  # the data does not say where cathode leaves
    assert {f.target for f in exits} <= {"lao-cai-station", "lao-cai-intl-rail-gate", "lao-cai-intl-road-gate",
                                         "kim-thanh-intl-road-gate-2", "muong-khuong-intl-gate", "ban-vuoc-intl-gate"}
    smelter = next(f for f in exits if f.source == SMELTER)
    assert smelter.figures[2011].entity == SMELTER and smelter.figures[2011].basis == "target"
    assert smelter.figures[2024].entity == "org:vimico-luyen-dong-lao-cai"  # the operating branch's figure
    assert smelter.tonnes == {}  # only targets: never a width


def test_copper_page_labels_indicator_year_basis_and_indicative_links(map_data):
    ctx = PageContext(lang="en")
    html = render_page(build_copper_map(map_data, ctx), ctx)
    assert '\\u003coption value=\\"2024\\" selected\\u003e' in html  # the latest year shown (JSON: < > escaped)
    assert "Copper ore mined, 2015 (target): 1,360,000 t" in html
    assert "Copper concentrate output, 2015 (target): 47,244 t" in html
    assert not re.search(r"mined, \d{4} \([^)]*\): 2,200,000", html)  # the undated output is on no year
    assert translate("copper.no_flow_data", "en") in html
    assert "Copper cathode output, 2024 (target): 29,797 t" in html and "organisation figure" in html
    assert '"dashArray": "8 6"' in html and "indicative link: the route is not stated in the data" in html
    assert "Smelter \\u2192 border gate: Copper cathode output (t/yr)" in html  # legend (JSON)
    assert "ban-quan-crossing" not in html  # a clearance point is no exit; unlinked exits are not drawn


def test_energy_groups_by_river(map_data):
    ctx = PageContext(lang="en")
    html = render_page(build_energy_map(map_data, ctx), ctx)
    plants = map_data.layer("hydropower_plants")
    chay = plants.loc[plants["river"] == "Chảy", "installed_mw"].sum()
    unknown = plants.loc[plants["river"].isna(), "installed_mw"].sum()
    # the river's name is Vietnamese only: marked with its language in an English phrase
    chay_label = f'<span lang="vi">Chảy</span><span lang="vi" class="lang-tag">vi</span> river ({chay:,.0f} MW)'
    assert script_json(chay_label) in html  # window.giLayers[…].name, as the layer control shows it
    assert f'"River not stated ({unknown:,.0f} MW)"' in html and "River River" not in html


def test_energy_output_is_the_electricity_output_indicator(map_data):
    stats = map_data.statistics
    rows = stats[(stats["indicator"] == "electricity_output") & (stats["entity"] == "admin:10:pre-2025-07-01")]
    assert latest_gwh(stats)["admin:10:pre-2025-07-01"] == float(rows.sort_values("year")["value"].iloc[-1])


FORMER_LAO_CAI = "admin:10:pre-2025-07-01"
FORMER_YEN_BAI = "admin:15:pre-2025-07-01"


def _chart(charts, entity, price_basis):
    return next(c for c in charts if c.entity == entity and c.price_basis == price_basis)


def test_production_value_keeps_entities_and_price_bases_apart(map_data):
    charts = production_value(map_data.statistics)
    keys = [(c.entity, c.price_basis, c.unit) for c in charts]
    assert len(keys) == len(set(keys))
    stats = map_data.statistics
    for chart in charts:
        for series in chart.series:
            for point in series.points:  # every drawn value is one stored row, never a sum
                rows = stats[
                    (stats["indicator"] == "industrial_production_value") & (stats["entity"] == chart.entity)
                    & (stats["year"] == point.year) & (stats["period"] == "FY") & (stats["basis"] == series.basis)
                    & (stats["price_basis"] == chart.price_basis) & (stats["variant"] == 0)
                ]
                assert rows["value"].tolist() == [point.value]


def test_production_value_of_the_province_2020_to_2022(map_data):
    chart = _chart(production_value(map_data.statistics), FORMER_LAO_CAI, "unknown")
    actual, target = chart.of_basis("actual"), chart.of_basis("target")
    assert [actual.value(y) for y in (2020, 2021, 2022)] == [37050.8, 41200.0, None]
    assert [target.value(y) for y in (2020, 2021, 2022)] == [None, 40440.0, 46000.0]
    assert (2021, 1) in {(o.year, o.variant) for o in chart.others}  # the second source of 41,200, listed


def test_production_value_disagreeing_sources_are_listed_not_drawn(map_data):
    chart = _chart(production_value(map_data.statistics), FORMER_LAO_CAI, "constant_1994")
    assert chart.of_basis("actual").value(2013) == 3942.0  # variant 0; 4,940 (variant 1) disagrees
    assert [(o.year, o.value) for o in chart.others if o.year == 2013] == [(2013, 4940.0)]
    assert _chart(production_value(map_data.statistics), FORMER_LAO_CAI, "constant_2010").others[0].value == 9876.0


def test_statistics_page_shows_the_province_series_with_its_price_basis(map_data):
    html = render("statistics", map_data, PageContext(lang="en"))
    shown = re.search(r'<figure class="gi-pv" data-series="([^"]+)"[^>]*?data-price-basis="[^"]*">(.*?)</figure>',
                      html, re.S)  # the one figure shown (the others are hidden)
    assert shown.group(1) == f"{FORMER_LAO_CAI}|unknown|bn_vnd"
    figure = shown.group(2)
    assert "Lào Cai province (former)" in figure and "Price basis: price basis not stated" in figure
    row = re.search(r'<tr data-year="2021">(.*?)</tr>', figure).group(1)
    assert '<td data-basis="actual">41,200' in row and '<td data-basis="target">40,440' in row
    assert '<td data-basis="target">46,000' in re.search(r'<tr data-year="2022">(.*?)</tr>', figure).group(1)
    for value in ("78,250", "82,400"):  # 2021: both provinces or both sources added up
        assert value not in html
    assert re.search(rf'data-series="{FORMER_YEN_BAI}\|constant_2010\|bn_vnd"[^>]* hidden>', html)
    assert 'data-basis="target"' in html and 'data-basis="actual"' in html


def test_zone_fact_sheet(map_data, ctx):
    html = render_zone(SURVEYED_ZONE, map_data, ctx)
    assert translate("analysis.criterion.border_gate", ctx.lang) in html
    assert "@media print" in html
    mine = _row(map_data, "mines", "apatite-lao-cai-belt")  # the apatite belt runs past Tằng Loỏng
    assert mine["name_en" if ctx.lang == "en" else "name_vi"] in html


def test_zone_fact_sheet_draws_the_surveyed_outline(map_data, ctx):
    """A surveyed zone's sheet draws its outline (zone_outlines) as a polygon beside its point."""
    html = render_zone(SURVEYED_ZONE, map_data, ctx)
    outline = _row(map_data, "zone_outlines", f"{SURVEYED_ZONE}-outline")
    first = [round(float(v), 5) for v in shapely.get_coordinates(outline["geometry"])[0]]
    assert json.dumps(first) in html and translate("legend.zone_outline", ctx.lang) in html


def test_estimated_zone_shows_its_declared_area_in_words_not_as_a_shape(map_data, ctx):
    """Popup and fact sheet: "declared area 100 ha …, outline not published"; the map holds the
    point and a dashed ring of its ± 3 km, clipped to the province; no polygon of 100 ha."""
    row = _row(map_data, "industrial_zones", APPROX_ZONE)
    before, after = translate("area.declared_no_outline", ctx.lang, area="\0").split("\0")
    text = area_text(row, ctx)
    assert text.startswith(before) and text.endswith(after) and "100" in text
    assert escape(text) in popup_html(row, map_data, ctx)
    assert escape(text) in render_zone(APPROX_ZONE, map_data, ctx)
    built = site_layer("industrial_zones", map_data, ctx, symbol=zone_symbol, rows=[row])
    assert built.rings == 1 and built.rings_clipped
    section = legend_section("industrial_zones", built, [row], ctx)
    assert translate("legend.uncertainty_ring", ctx.lang) in [label for _, label in section.rows]


def test_rings_say_when_they_are_not_clipped(map_data, ctx):
    """Without a boundary layer (configured or shipped), rings are drawn whole and the legend says so."""
    layers = {k: v for k, v in map_data.layers.items() if k != "boundaries"}
    bare = dataclasses.replace(map_data, reference=(), layers=layers)
    row = _row(bare, "industrial_zones", APPROX_ZONE)
    built = site_layer("industrial_zones", bare, ctx, symbol=zone_symbol, rows=[row])
    assert built.rings == 1 and not built.rings_clipped
    assert translate("legend.ring_not_clipped", ctx.lang) in legend_section("industrial_zones", built, [row], ctx).note


def test_unknown_zone(map_data, ctx):
    with pytest.raises(ZoneNotFound):
        render_zone("nope", map_data, ctx)


@pytest.mark.parametrize("value", [SURVEYED_ZONE, "a,b", ",".join([SURVEYED_ZONE] * 6)])
def test_compare_needs_two_to_five_known_zones(map_data, value):
    with pytest.raises(InvalidParameter):
        parse_zone_ids(value, map_data)


def test_language_switch_links(map_data):
    html = _overview(map_data, lang="en", urls=static_urls())
    for code in LANGUAGES:
        assert f'href="overview.{code}.html"' in html
    server = _overview(map_data, lang="vi")
    assert 'href="/maps/overview?lang=en"' in server


def test_unvendored_asset_is_refused(map_data):
    import folium
    from folium import plugins

    m = folium.Map(tiles=None)
    plugins.Geocoder().add_to(m)
    with pytest.raises(UnvendoredAsset):
        localize_assets(m.get_root(), PageUrls())


def test_every_vendored_file_exists():
    for path in VENDORED.values():
        assert (vendor_dir() / path).is_file(), path


def test_static_build(map_data, tmp_path):
    progress = []
    build = build_site_from_data(map_data, tmp_path, languages=("vi", "en"), progress=lambda *a: progress.append(a))
    assert (tmp_path / "index.html").is_file() and (tmp_path / "vendor/leaflet/leaflet.js").is_file()
    assert (tmp_path / f"zone-{SURVEYED_ZONE}.en.html").is_file()
    assert progress[-1][:2] == (len(build.pages), len(build.pages))
    assert (tmp_path / "overview.vi.html").stat().st_size < 1_000_000


def test_fact_sheet_reads_only_schema_fields(map_data):
    """Occupancy from occupancy_pct (else the published investor fact), industries from
    priority_sectors, available land from the investor facts; what none gives is not published."""
    from geo_industry.maps.zones import find_zone, zone_facts

    cluster = find_zone(map_data, "yb-ccn-au-lau")  # occupancy_pct 95 as of 2026-06-18
    guessable = {**cluster, "available_land_ha": 5.0, "industries": "x"}  # names outside the schema are ignored
    facts = zone_facts(guessable, map_data, PageContext(lang="en"))
    rows = dict(facts.rows)
    assert rows["Occupancy"] == "95 % (2026-06-18)"
    assert rows["Available land"] == "not published"
    assert rows["Permitted industries"] == "not published"  # priority_sectors is empty for this cluster
    assert "Available land" not in dict(facts.sheet_rows)  # said once, in the not-published line
    zone = find_zone(map_data, SURVEYED_ZONE)
    rows = dict(zone_facts(zone, map_data, PageContext(lang="en")).rows)
    assert rows["Permitted industries"] == zone["priority_sectors"]
    assert rows["Occupancy"] == "85% (2026-05)"  # investor_facts.csv, as the source words it
    rows = dict(zone_facts(find_zone(map_data, "yb-phia-nam-iz"), map_data, PageContext(lang="vi")).rows)
    assert rows["Đất còn trống"] == "26,72 ha (2026-05)"  # the Vietnamese text of the source


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_indicator_in_the_statistics_has_a_label(store, lang):
    indicators = set(store.statistics["indicator"].dropna().astype(str))
    missing = sorted(i for i in indicators if f"indicator.{i}" not in catalog(lang))
    assert missing == []


def test_indicator_label_is_the_catalog_text():
    from geo_industry.maps.format import indicator_label

    assert indicator_label("copper_cathode_output", "vi") == "Sản lượng đồng tấm (cathode)"
    assert indicator_label("iip", "zh-CN") == "工业生产指数 (IIP)"
    assert indicator_label("not_in_catalog", "en") == "not_in_catalog"


def test_site_outputs_table_states_part_year_periods(map_data):
    from geo_industry.maps.statistics_page import site_outputs_table

    table = site_outputs_table(map_data, PageContext(lang="en"))
    row = re.search(rf'<tr data-entity="{SMELTER}">(.*?)</tr>', table).group(1)
    assert "7,600 t" in row and '<td>2011 Jan-Nov <span class="gi-part-year">' in row


def test_energy_totals_never_add_admin_units(map_data):
    from geo_industry.maps.energy import reported_totals, totals_by_year

    plants = [dict(r) for _, r in map_data.layer("hydropower_plants").iterrows()]
    assert totals_by_year(plants, map_data.statistics) == []  # no plant reports its own output
    reported = reported_totals(map_data.statistics, {str(p["id"]) for p in plants})
    assert reported == [(FORMER_LAO_CAI, 2013, "actual", 1600.0), (FORMER_LAO_CAI, 2017, "actual", 2900.0)]
    html = render_page(build_energy_map(map_data, PageContext(lang="en")), PageContext(lang="en"))
    assert "Lào Cai province (former)" in html and "4,500" not in html


def test_zone_without_location_says_location_unknown_not_none(map_data, ctx):
    """lao-cai-bgez has no position: its nearby lists and distances say "location unknown", never "none"."""
    html = render_zone("lao-cai-bgez", map_data, ctx)
    unknown = translate("zone.location_unknown", ctx.lang)
    assert html.count(f"<p>{unknown}</p>") == 2
    assert f"<p>{translate('zone.none', ctx.lang)}</p>" not in html
    assert f"<td>{unknown}</td>" in html


def test_nearby_lists_say_which_sites_could_not_be_checked(map_data):
    """A located zone's nearby lists count the mines and plants without a position instead of implying none."""
    html = render_zone(SURVEYED_ZONE, map_data, PageContext(lang="en"))
    unlocated = int(map_data.layer("mines").geometry.isna().sum())
    assert unlocated > 0
    assert translate("zone.unlocated_not_checked", "en", n=unlocated) in html


def test_fact_sheet_and_compare_name_placeholder_inputs(map_data):
    """A zone on a district seat says so in its fact sheet and on the compare page; no 0.0 km is shown for it."""
    ctx = PageContext(lang="en")
    html = render_zone("kim-thanh-trade-zone", map_data, ctx)
    assert "gi-placeholder-inputs" in html and "own position is a district-seat placeholder" in html
    assert "district-seat placeholder" in html and "0.0 km" not in html
    compare = build_compare_page(map_data, ctx, ["kim-thanh-trade-zone", "tang-loong-iz"])
    assert translate("zone.placeholder_inputs", "en") in compare
    assert translate("analysis.criterion.border_gate", "en") in compare


def test_statistics_page_labels_each_computed_figure_and_only_those(map_data):
    html = render("statistics", map_data, PageContext(lang="en"))
    figure = re.search(rf'<figure class="gi-pv" data-series="{FORMER_LAO_CAI}\|unknown\|bn_vnd".*?</figure>',
                       html, re.S).group(0)
    stats = map_data.statistics
    rows = stats[(stats["indicator"] == "industrial_production_value") & (stats["entity"] == FORMER_LAO_CAI)
                 & (stats["period"] == "FY") & (stats["price_basis"] == "unknown") & (stats["variant"] == 0)]
    assert rows["derivation"].astype(bool).any(), "the series holds computed figures"
    for row in rows.itertuples():
        tr = re.search(rf'<tr data-year="{int(row.year)}">(.*?)</tr>', figure).group(1)
        cell = re.search(rf'<td data-basis="{row.basis}">(.*?)</td>', tr).group(1)
        assert ('class="gi-computed"' in cell) == bool(row.derivation), (row.year, row.basis)
        if row.derivation:
            assert "(computed)" in cell and escape(row.derivation, quote=True) in cell


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_computed_bar_is_outlined_labelled_and_explained_in_the_legend(lang):
    svg = bar_chart_svg([Bar(2020, "actual", 5.0), Bar(2021, "target", 9.0, computed=True)], lang=lang)
    computed = translate("stats.computed", lang)
    assert svg.count('class="gi-bar gi-computed"') == 1 and f"({computed})</title>" in svg
    assert translate("stats.computed_legend", lang) in svg
    assert "gi-computed-legend" not in bar_chart_svg([Bar(2020, "actual", 5.0)], lang=lang)


def test_copper_label_says_a_computed_target_is_computed(map_data):
    html = render_page(build_copper_map(map_data, PageContext(lang="en")), PageContext(lang="en"))
    stats = map_data.statistics
    row = stats[(stats["indicator"] == "copper_cathode_output") & (stats["year"] == 2024) & (stats["period"] == "FY")
                & (stats["entity"] == "org:vimico-luyen-dong-lao-cai")].iloc[0]
    assert row["derivation"]  # 10,000 t over four months divided by its share of the plan
    assert f"Copper cathode output, 2024 (target): {number(row['value'], 'en')} t · computed · " in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_popup_lists_an_undated_figure_with_its_period_not_as_a_year(map_data, lang):
    stats = map_data.statistics
    rows = stats[(stats["entity"] == COPPER_MINE) & stats["year"].isna()]
    assert len(rows), "the research gives a Sin Quyền output without a year"
    html = popup_html(_row(map_data, "mines", COPPER_MINE), map_data, PageContext(lang=lang))
    for row in rows.itertuples():
        assert escape(quantity(row.value, row.unit, lang)) in html
        assert escape(f"{translate('stats.undated', lang)}, {row.period}") in html
    chart = re.search(r'<svg class="gi-chart".*?</svg>', html)
    assert chart is None or not any(f">{number(v, lang)}<" in chart.group(0) for v in rows["value"])


def test_fact_sheet_names_the_nearest_transport_line(map_data, ctx):
    """A former Yên Bái zone is measured to a railway line of the shipped transport_lines layer; its fact
    sheet names the line (as the layer does), never shows the line's id."""
    from geo_industry.maps.zones import zone_facts

    zones = map_data.layer("industrial_zones")
    row = dict(zones[zones["former_province"] == "yen_bai"].iloc[0])
    label = translate("analysis.criterion.railway", ctx.lang)
    railway = [name for criterion, name, _ in zone_facts(row, map_data, ctx).distances if criterion == label]
    lines = next(r.frame for r in map_data.reference if r.kind == "transport_lines")
    assert railway and railway[0] not in set(lines["id"])
    assert railway[0] in {*lines["name_vi"], *lines["name_en"]}

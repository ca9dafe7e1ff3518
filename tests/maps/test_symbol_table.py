"""The symbol rules as data: what a served page sends the browser to style a tiled layer's sites.

One definition (:class:`~geo_industry.maps.symbols.SymbolRule`) gives both the markers of the layers
the page carries and the table the browser reads for the layers drawn from vector tiles
(``test_browser_tiles.py`` checks the browser's reading of it against these rules, site by site).
"""

from __future__ import annotations

import json

import pytest

from geo_industry.maps.base import PageContext
from geo_industry.maps.layers import Symbol
from geo_industry.maps.pages import render
from geo_industry.maps.styles import COMMODITY_STYLES, OCCUPANCY_STYLES, occupancy_class
from geo_industry.maps.symbols import (
    CONTEXT_COLOR,
    LAYER_SYMBOLS,
    hydropower_symbol,
    mine_symbol,
    symbol_rule,
    zone_symbol,
)
from geo_industry.maps.tiled import symbol_table

from .test_tiled_layers import _CALL, TILED_SERVED


@pytest.mark.parametrize("kind", sorted(LAYER_SYMBOLS))
def test_every_symbol_of_a_rule_is_in_its_table(kind, map_data):
    rule = symbol_rule(kind, "Point")
    table = symbol_table(rule, "Point")
    assert set(table["classes"]) == set(rule.symbols)
    assert len(json.dumps(table)) < 4_000  # a few classes, whatever the number of sites
    for row in (dict(r) for _, r in map_data.layer(kind).iterrows()):
        assert rule.classify(row) in table["classes"], row["id"]


@pytest.mark.parametrize(("percent", "status", "cls", "hollow"),
                         [(None, "operating", "none", False), ("", "planned", "none", True), (49.9, None, "low", False),
                          (50, "approved", "mid", True), (80, "operating", "mid", False), (80.1, "", "high", False),
                          ("85", "operating", "high", False)])
def test_zone_rule_classes_by_occupancy_and_hollows_what_is_not_built(percent, status, cls, hollow):
    row = {"occupancy_pct": percent, "status": status}
    assert zone_symbol.classify(row) == cls
    if isinstance(percent, (int, float)) or percent is None:
        assert cls == occupancy_class(percent)
    assert zone_symbol(row) == Symbol("square", OCCUPANCY_STYLES[cls].color, 18, hollow=hollow)


def test_zone_table_has_the_bins_and_the_hollow_styles():
    table = symbol_table(zone_symbol, "Point")
    assert table["field"] == "occupancy_pct" and table["bins"] == [[50.0, "low", False], [80.0, "mid", True]]
    assert (table["above"], table["otherwise"]) == ("high", "none")
    assert table["hollow"] == {"field": "status", "values": ["approved", "planned"]}
    high, hollow_high = table["classes"]["high"], table["hollowClasses"]["high"]
    assert high["fillColor"] == OCCUPANCY_STYLES["high"].color and high["radius"] == 9
    assert hollow_high["fillColor"] == "#ffffff" and hollow_high["color"] == OCCUPANCY_STYLES["high"].color


def test_mine_table_maps_commodities_to_classes():
    table = symbol_table(mine_symbol, "Point", context=True)
    assert table["values"] == {"copper_ore": "copper", "apatite": "apatite", "iron_ore": "iron"}
    assert table["otherwise"] == "other"
    assert {cls: s["fillColor"] for cls, s in table["classes"].items()} == {
        cls: style.color for cls, style in COMMODITY_STYLES.items()}
    assert {s["className"] for s in table["classes"].values()} == {"gi-context"}


def test_an_approximate_site_is_drawn_pale_and_dashed():
    table = symbol_table(zone_symbol, "Point")
    assert table["approximate"] == {"qualityField": "geometry_quality", "qualities": ["approximate"],
                                    "precisionField": "coord_precision", "precisions": ["proxy-district", "none"],
                                    "precisionPrefixes": ["estimated"]}
    for name in ("approximateClasses", "approximateHollowClasses"):
        high = table[name]["high"]
        assert high["dashArray"] == "6 4" and high["fillOpacity"] < table["classes"]["high"]["fillOpacity"], name
        assert high["color"] == OCCUPANCY_STYLES["high"].color, name
    lines = symbol_table(symbol_rule("transport", "LineString"), "LineString")
    assert "dashArray" in lines["approximateClasses"]["railway"] and "dashArray" not in lines["classes"]["railway"]
    assert "approximateHollowClasses" not in lines


def test_hydropower_table_sizes_by_installed_mw():
    table = symbol_table(hydropower_symbol, "Point")
    assert table["size"] == {"field": "installed_mw", "base": 3.0, "factor": 1.2, "largest": 22.0, "missing": 5.0}
    assert hydropower_symbol({"installed_mw": 100}).size == 2 * 15.0
    assert hydropower_symbol({"installed_mw": None}).size == 10.0


@pytest.mark.parametrize(("geometry_type", "fill"), [("Point", True), ("MultiLineString", False), ("Polygon", True)])
def test_a_layer_of_no_known_kind_gets_the_default_symbol_of_its_geometry(geometry_type, fill):
    table = symbol_table(symbol_rule("parcels", geometry_type), geometry_type, context=True)
    assert table["field"] == "" and list(table["classes"]) == ["all"]
    style = table["classes"]["all"]
    assert style["fill"] is fill and CONTEXT_COLOR in (style["color"], style["fillColor"])


def test_served_page_sends_each_tiled_layer_its_table_and_the_legend_follows_it(map_data):
    html = render("overview", map_data, PageContext(lang="en", urls=TILED_SERVED))
    specs = {json.loads(i): json.loads(s) for _u, i, _g, s in _CALL.findall(html)}
    assert specs["mines"]["symbols"] == symbol_table(mine_symbol, "Point", context=True)
    assert specs["hydropower_plants"]["symbols"]["size"]["field"] == "installed_mw"
    for label in ("Copper", "Apatite", "Iron", "size by installed MW"):  # every class: the rows are not read
        assert f"\\u003cspan\\u003e{label}\\u003c/span\\u003e" in html, label  # the legend's HTML, as JSON

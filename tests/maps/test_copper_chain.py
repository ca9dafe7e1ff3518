"""The copper value chain's rules on the real data: exits, one width scale, the default year, spreading."""

from __future__ import annotations

from geo_industry.maps.copper import (
    CATHODE,
    ORE_MINED,
    Flow,
    FlowFigure,
    _default_year,
    _widths,
    chain_flows,
    chain_sites,
    spread_offsets,
)

from .conftest import COPPER_MINE


def test_cathode_leaves_through_an_operating_international_border_gate(map_data):
    gates = map_data.layer("border_gates").set_index("id")
    exits = [f for f in chain_flows(map_data) if f.indicator == CATHODE]
    assert exits
    for flow in exits:
        gate = gates.loc[flow.target]
        assert gate["status"] == "operating" and gate["gate_class"] in ("international", "main"), flow.target


def test_one_width_scale_for_all_tonnes_whatever_the_indicator():
    a = Flow("a", "b", ((22.0, 104.0), (22.1, 104.1)), ORE_MINED, {2020: FlowFigure(1000.0, "actual", "a", "")})
    b = Flow("b", "c", ((22.1, 104.1), (22.2, 104.2)), CATHODE, {2020: FlowFigure(1000.0, "actual", "b", "")})
    c = Flow("c", "d", ((22.2, 104.2), (22.3, 104.3)), CATHODE, {2020: FlowFigure(250.0, "actual", "c", "")})
    wa, wb, wc = _widths([a, b, c], [2020])
    assert wa[2020] == wb[2020] > wc[2020]  # same tonnes, same width: ore and cathode on one scale


def test_the_chain_opens_on_the_latest_year_with_full_year_figures(map_data):
    flows = chain_flows(map_data)
    years = sorted({y for f in flows for y in f.figures})
    stats = map_data.statistics
    assert _default_year(flows, years) == max(years)
    later = stats[(stats["year"] > max(years)) & stats["indicator"].isin([f.indicator for f in flows])]
    entities = {fig.entity for f in flows for fig in f.figures.values()}
    assert not later[later["entity"].isin(entities) & later["period"].eq("FY")].shape[0]


def test_sites_sharing_a_point_are_drawn_apart(map_data):
    rows = [r for stage in chain_sites(map_data).values() for r in stage]
    offsets = spread_offsets(rows)
    at_mine = [r for r in rows if r["geometry"].equals(next(x for x in rows if x["id"] == COPPER_MINE)["geometry"])]
    assert len(at_mine) >= 3  # the mine and its two concentrators
    shifts = {offsets[str(r["id"])] for r in at_mine}
    assert len(shifts) == len(at_mine) and (0.0, 0.0) not in shifts
    alone = [r for r in rows if sum(x["geometry"].equals(r["geometry"]) for x in rows) == 1]
    assert all(offsets[str(r["id"])] == (0.0, 0.0) for r in alone)


def test_the_map_draws_the_core_chain(map_data):
    """One model: the map's flows are the core's copper chain of the same layers and statistics."""
    from geo_industry.raster.valuechain import copper_chain

    layers = {lid: map_data.layer(lid) for lid in ("mines", "processing_plants", "border_gates")}
    assert chain_flows(map_data) == copper_chain(layers, map_data.statistics, map_data.entities)


def test_the_core_mine_to_concentrator_links_agree_with_the_chain(map_data):
    """The API's mine → nearest concentrator links (geodesic) are links of the copper chain too."""
    from geo_industry.raster.valuechain import link_value_chain

    chain = {(f.source, f.target) for f in chain_flows(map_data)}
    links = link_value_chain(mines=map_data.layer("mines"), plants=map_data.layer("processing_plants"))
    copper = [(x.mine_id, x.plant_id) for x in links if x.commodity == "copper_ore" and x.stage == "concentration"]
    assert copper and set(copper) <= chain

"""Investor sections of the fact sheets and the index table, on the real data and investor facts."""

from __future__ import annotations

import pytest

from geo_industry.investor_facts import InvestorFact
from geo_industry.maps.base import PageContext
from geo_industry.maps.index_page import COLUMNS, build_index_page, index_row
from geo_industry.maps.investor import fact_value, investor_sheet, province_entity
from geo_industry.maps.pages import render_zone
from geo_industry.maps.zones import find_zone, zone_facts, zone_rows

from .conftest import SURVEYED_ZONE

BGEZ = "lao-cai-bgez"
PROVINCE = "admin:15:2025-07-01"


def test_the_data_has_investor_facts(map_data):
    assert len(map_data.investor_facts) > 50
    assert province_entity(map_data.investor_facts, 15) == PROVINCE
    assert province_entity(map_data.investor_facts, None) is None


def test_border_gate_economic_zone_lists_its_member_zones_from_the_data(map_data):
    members = {r["id"]: r for r in zone_rows(map_data) if r.get("in_economic_zone") == BGEZ}
    facts = zone_facts(find_zone(map_data, BGEZ), map_data, PageContext(lang="en"))
    assert [m[0] for m in facts.members] == list(members)
    assert len(members) >= 4
    assert all("ha" in area for _, _, _, area in facts.members)
    member = zone_facts(find_zone(map_data, next(iter(members))), map_data, PageContext(lang="en"))
    assert member.part_of is not None and member.part_of[0] == BGEZ


def test_incentives_apply_by_location_with_their_legal_reference(map_data):
    bgez = investor_sheet(find_zone(map_data, BGEZ), map_data.investor_facts, "en")
    assert [line.field for line in bgez.area_class] == ["incentive_area_class"]
    assert "2167/QĐ-UBND" in bgez.area_class[0].value
    member = find_zone(map_data, "ban-qua-iz")  # inside the economic zone: its class, marked as such
    sheet = investor_sheet(member, map_data.investor_facts, "en", parent_name="Lao Cai BGEZ")
    assert sheet.area_class[0].field == "incentive_area_class" and sheet.area_class[0].via == "Lao Cai BGEZ"
    outside = investor_sheet(find_zone(map_data, "yb-phia-nam-iz"), map_data.investor_facts, "en")
    assert outside.area_class[0].field == "incentive_area_iz_ccn"  # the province's rule for zones and clusters
    assert all(line.source.startswith("https://") for line in outside.incentives)
    assert any("67/2025/QH15" in line.value for line in outside.incentives)
    assert "land_price_industrial_clusters" not in [line.field for line in outside.land]
    cluster = investor_sheet(find_zone(map_data, "yb-ccn-au-lau"), map_data.investor_facts, "en")
    assert "land_price_industrial_clusters" in [line.field for line in cluster.land]
    assert "investment_registration_body_outside_zones" in [line.field for line in cluster.contact]


def test_unknowns_are_said_once_with_whom_to_ask(map_data):
    sheet = investor_sheet(find_zone(map_data, "yb-phia-nam-iz"), map_data.investor_facts, "vi")
    assert "topic.occupancy" not in sheet.unknown and "topic.available_land" not in sheet.unknown
    assert {"topic.lease_price", "topic.utilities"} <= set(sheet.unknown)
    asked = [line.field for line in sheet.ask]
    assert asked[0] == "management_board" and "investment_promotion_contact_phone" in asked
    html = render_zone("cam-con-iz", map_data, PageContext(lang="en"))
    assert "<td>not published</td>" not in html and html.count("Not published:") == 1


def test_a_fact_in_one_language_is_tagged_not_mixed_in(map_data):
    centre = next(f for f in map_data.investor_facts if f.field == "investment_promotion_center_name")
    assert fact_value(centre, "vi") == (centre.value_en, "en")  # no Vietnamese text in the source
    same = InvestorFact("x", "projects_count", "29", "29", "https://example.org", None)
    assert fact_value(same, "zh-CN") == ("29", "")
    html = render_zone(SURVEYED_ZONE, map_data, PageContext(lang="zh-CN"))
    assert 'class="gi-lang"' in html


def test_hostile_fact_text_is_escaped(map_data):
    import dataclasses

    hostile = InvestorFact(SURVEYED_ZONE, "status_note", "<script>alert(1)</script>", None,
                           "javascript:alert(1)", "2026")
    data = dataclasses.replace(map_data, investor_facts=(*map_data.investor_facts, hostile))
    html = render_zone(SURVEYED_ZONE, data, PageContext(lang="en"))
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert 'href="javascript:' not in html


@pytest.mark.parametrize("lang", ("vi", "en", "zh-CN"))
def test_index_table_has_every_zone_with_its_data_date(map_data, lang):
    html = build_index_page(map_data, PageContext(lang=lang))
    assert html.count("<tr data-zone=") == len(zone_rows(map_data))
    assert "table-sort.js" in html and "<script>" not in html  # sorting from a file, no inline script
    row = index_row(find_zone(map_data, SURVEYED_ZONE), map_data, PageContext(lang=lang))
    cells = dict(zip(COLUMNS, row.cells, strict=True))
    assert cells["as_of"].text == str(find_zone(map_data, SURVEYED_ZONE)["as_of"])
    assert cells["score"].key and float(cells["score"].key) > 0
    assert cells["occupancy"].text.startswith("85")
    assert cells["sectors"].lang == "en"
    assert ('class="gi-lang"' in html) == (lang != "en")  # English-only sectors tagged on vi and zh-CN pages

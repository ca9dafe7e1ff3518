"""What an investor can act on, from ``investor_facts.csv``: contacts, incentives, published figures.

Pure functions over :class:`~geo_industry.investor_facts.InvestorFact` rows and a zone's row:
which facts belong on a zone's fact sheet (its own, its economic zone's, the province's), in
which section, and which topics nothing published covers (said once, with whom to ask).
Values are shown as the source words them, each with its source and date; nothing is parsed
out of them or computed with them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from geo_industry.i18n import catalog, data_language
from geo_industry.investor_facts import InvestorFact
from geo_industry.maps.format import is_missing

PUBLISHED_FIELDS = ("occupancy_rate", "occupancy_rate_three_areas", "occupancy_target", "industrial_land_ha",
                    "industrial_land_available_ha", "projects_count", "status_note")
"""A zone's published occupancy, land and project figures (its own rows only)."""
OCCUPANCY_FIELDS = ("occupancy_rate", "occupancy_rate_three_areas", "occupancy_target")
AVAILABLE_LAND_FIELD = "industrial_land_available_ha"
AREA_CLASS_FIELD = "incentive_area_class"
"""The incentive area class of a zone (its own row, else its economic zone's)."""
AREA_RULE_FIELD = "incentive_area_iz_ccn"
"""The province-wide rule for zones and clusters without a class of their own."""
INCENTIVE_FIELDS = ("cit_especially_difficult_area", "cit_difficult_area", "cit_iz_location_rule",
                    "land_rent_exemption_construction", "land_rent_exemption_after_construction",
                    "import_duty_exemption", "preferential_area_list")
"""National incentives by location and sector, each naming its legal reference."""
LAND_FIELDS = ("land_rent_rate_iz_ccn",)
CLUSTER_LAND_FIELDS = ("land_price_industrial_clusters", "investment_incentive_brochure")
"""Rows that the source states for industrial clusters only."""
BOARD_FIELDS = ("management_board_name", "management_board", "management_board_head", "management_board_scope")
OWN_CONTACT_FIELDS = (*BOARD_FIELDS, "developer_address")
PROVINCE_CONTACT_FIELDS = ("investment_promotion_contact_org", "investment_promotion_contact_address",
                           "investment_promotion_contact_phone", "investment_promotion_contact_hotline",
                           "investment_promotion_contact_email", "investment_promotion_contact_website",
                           "investment_promotion_center_name")
CLUSTER_CONTACT_FIELDS = ("investment_registration_body_outside_zones",)
"""Clusters lie outside the industrial and economic zones: projects there register with this body."""
CLUSTER_KIND = "industrial_cluster"


@dataclass(frozen=True)
class FactLine:
    """One fact as a sheet shows it: label, value in the language it exists in, source, date."""

    field: str
    label: str
    value: str
    value_lang: str
    """``vi`` or ``en``: the language of ``value`` (a tag marks it when it is not the page's); empty
    when the source words it the same in both."""
    source: str
    as_of: str
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; empty when the source gives no date."""
    via: str = ""
    """Name of the entity the fact is about when it is not the zone itself (its economic zone)."""


@dataclass
class InvestorSheet:
    """The investor sections of one zone's fact sheet."""

    published: list[FactLine] = field(default_factory=list)
    area_class: list[FactLine] = field(default_factory=list)
    incentives: list[FactLine] = field(default_factory=list)
    land: list[FactLine] = field(default_factory=list)
    contact: list[FactLine] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    """Topic keys (``topic.*`` messages) nothing published covers for this zone."""
    ask: list[FactLine] = field(default_factory=list)
    """Whom to ask about the unknown topics: the board, else the province's promotion contact."""


def fact_label(field_name: str, lang: str) -> str:
    """The catalog label of a fact field (``fact.<field>``), else the field name in words."""
    return catalog(lang).get(f"fact.{field_name}") or catalog("en").get(f"fact.{field_name}") or \
        field_name.replace("_", " ").capitalize()


def fact_value(fact: InvestorFact, lang: str) -> tuple[str, str]:
    """``(value, its language)``: the page's data language when the source has it, else the other;
    the language is empty when both texts are the same."""
    first = data_language(lang)
    second = "en" if first == "vi" else "vi"
    by_lang = {"vi": fact.value_vi, "en": fact.value_en}
    if fact.value_vi and fact.value_vi == fact.value_en:
        return fact.value_vi, ""  # the same in both (a number, an e-mail address): no language to tag
    if by_lang[first]:
        return str(by_lang[first]), first
    return str(by_lang[second] or ""), second


def province_entity(facts: Iterable[InvestorFact], province_code: Any) -> str | None:
    """The entity id of the current province with ``province_code`` (``admin:<code>:<vintage>``,
    not a ``pre-`` vintage) among the facts' entities, if any."""
    if is_missing(province_code):
        return None
    code = str(int(province_code)) if isinstance(province_code, float) else str(province_code)
    current = sorted({f.entity for f in facts if f.entity.startswith(f"admin:{code}:")
                      and not f.entity.split(":", 2)[2].startswith("pre-")})
    return current[-1] if current else None


def _by_field(facts: Iterable[InvestorFact], entity: str | None) -> dict[str, InvestorFact]:
    return {f.field: f for f in facts if entity is not None and f.entity == entity}


def _lines(found: Mapping[str, InvestorFact], fields: Iterable[str], lang: str, via: str = "") -> list[FactLine]:
    lines = []
    for name in fields:
        fact = found.get(name)
        if fact is not None:
            value, value_lang = fact_value(fact, lang)
            lines.append(FactLine(name, fact_label(name, lang), value, value_lang, fact.source_url,
                                  fact.as_of or "", via))
    return lines


def investor_sheet(row: Mapping[str, Any], facts: Iterable[InvestorFact], lang: str, *,
                   parent_name: str = "") -> InvestorSheet:
    """The investor sections of the zone ``row`` in ``lang``.

    ``parent_name`` names the economic zone of ``row["in_economic_zone"]``: its incentive area
    class and board stand for the zone's when the zone has none of its own (marked as such).
    """
    facts = list(facts)
    own = _by_field(facts, str(row.get("id")))
    parent_id = None if is_missing(row.get("in_economic_zone")) else str(row["in_economic_zone"])
    parent = _by_field(facts, parent_id)
    province = _by_field(facts, province_entity(facts, row.get("province_code")))
    cluster = row.get("kind") == CLUSTER_KIND
    sheet = InvestorSheet()
    sheet.published = _lines(own, PUBLISHED_FIELDS, lang)
    sheet.area_class = (_lines(own, (AREA_CLASS_FIELD,), lang)
                        or _lines(parent, (AREA_CLASS_FIELD,), lang, via=parent_name)
                        or _lines(province, (AREA_RULE_FIELD,), lang))
    sheet.incentives = _lines(province, INCENTIVE_FIELDS, lang)
    sheet.land = _lines(province, LAND_FIELDS + (CLUSTER_LAND_FIELDS if cluster else ()), lang)
    board = _lines(own, BOARD_FIELDS, lang) or _lines(parent, BOARD_FIELDS, lang, via=parent_name)
    promotion = _lines(province, PROVINCE_CONTACT_FIELDS + (CLUSTER_CONTACT_FIELDS if cluster else ()), lang)
    sheet.contact = board + _lines(own, ("developer_address",), lang) + promotion
    has_occupancy = not is_missing(row.get("occupancy_pct")) or any(f in own for f in OCCUPANCY_FIELDS)
    sheet.unknown = [
        *([] if has_occupancy else ["topic.occupancy"]),
        *([] if AVAILABLE_LAND_FIELD in own else ["topic.available_land"]),
        "topic.lease_price",  # no row gives a lease price: the land price table is the basis of rent
        "topic.utilities",  # power, water and wastewater capacity: nothing in the data
        *(["topic.industries"] if is_missing(row.get("priority_sectors")) else []),
    ]
    names = [line for line in board if line.field in ("management_board_name", "management_board")][:1]
    sheet.ask = names + [line for line in promotion if line.field in (
        "investment_promotion_contact_org", "investment_promotion_contact_phone",
        "investment_promotion_contact_email")]
    return sheet


def occupancy_fact(row: Mapping[str, Any], facts: Iterable[InvestorFact], lang: str) -> FactLine | None:
    """The zone's own published occupancy rate, if any (a combined rate or a target is not its occupancy)."""
    lines = _lines(_by_field(facts, str(row.get("id"))), ("occupancy_rate",), lang)
    return lines[0] if lines else None

"""``data/statistics.csv`` and ``data/entities.csv`` from the research's ``lao-cai-stats.csv``.

The columns are the core's (``geo_industry.statistics.FILE_COLUMNS``), defined once.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from geo_industry.statistics import FILE_COLUMNS, KEY, STAT_COLUMNS

from .facts import read_table

StatRow = dict[str, str]

SEED_SOURCE = ('vietnamplus.vn (2022), "Lào Cai đặt mục tiêu giá trị sản xuất công nghiệp trên '
               '46.000 tỷ đồng" (text in seed-000_5fe2c348c2262560.txt)')
SEED_COLUMNS = ("indicator", "entity", "year", "period", "value", "unit", "basis", "price_basis", "note")
SEED_ROWS = [tuple(row[c] for c in SEED_COLUMNS) for row in read_table("seed_statistics.csv")]
"""Facts of the seed article; added only if no research row already cites the article."""
ORGS = {row["research_entity"]: (row["entity"], row["name_vi"], row["name_en"], row["note"])
        for row in read_table("organisations.csv")}
"""Research entity text -> (entity id, name_vi, name_en, note) of the organisations in the statistics."""
ADMIN = [tuple(row.values()) for row in read_table("admin_units.csv")]
"""Rows of ``entities.csv`` for the admin units (former and merged provinces)."""


def map_entity(raw: str, note: str, feature_ids: set[str]) -> str:
    """The entity id of a research statistics row (admin unit, organisation or feature)."""
    if raw == "province":
        return "admin:15:2025-07-01" if "NEW province" in note else "admin:10:pre-2025-07-01"
    if raw == "former_yen_bai_province":
        return ("admin:15:2025-07-01" if "merged-province" in note
                else "admin:15:pre-2025-07-01")
    if raw in ORGS:
        return ORGS[raw][0]
    if raw in feature_ids:
        return raw
    raise SystemExit(f"statistics entity does not resolve: {raw!r}")


def _seed_rows(rows: list[dict[str, str]], feature_ids: set[str]) -> list[StatRow]:
    """The seed article's facts that no research row already cites."""
    cited_seed = {(r["indicator"], r["entity"], r["year"], r["period"], r["value"])
                  for r in rows if "seed-000" in r["source_url"] or "vietnamplus.vn (2022)" in
                  r["source_url"]}
    out = []
    for ind, ent, year, period, value, unit, basis, pb, note in SEED_ROWS:
        if (ind, ent, year, period, value) in cited_seed:
            continue
        out.append(dict(zip(STAT_COLUMNS, [ind, map_entity(ent, note, feature_ids), year, period, value, unit,
                                           basis, pb, SEED_SOURCE, note], strict=True)) | {"derivation": ""})
    return out


def _research_row(r: dict[str, str], feature_ids: set[str]) -> StatRow:
    return {"indicator": r["indicator"], "entity": map_entity(r["entity"], r["note"], feature_ids),
            "year": r["year"], "period": r["period"], "value": r["value"], "unit": r["unit"], "basis": r["basis"],
            "price_basis": r["price_basis"], "source": r["source_url"], "note": r["note"],
            "derivation": r.get("derivation", "").strip()}


def build_statistics(research: Path, feature_ids: set[str]) -> tuple[str, list[StatRow], Counter[str]]:
    """``data/statistics.csv`` (columns of the core's ``FILE_COLUMNS``), its rows and the rows per entity.

    ``variant`` numbers the rows sharing a key (indicator, entity, year, period, basis).
    """
    with open(research / "lao-cai-stats.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = [_research_row(r, feature_ids) for r in rows] + _seed_rows(rows, feature_ids)
    seen: Counter[tuple[str, ...]] = Counter()
    for row in out:
        key = tuple(row[c] for c in KEY if c != "variant")
        row["variant"] = str(seen[key])
        seen[key] += 1
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(FILE_COLUMNS)
    w.writerows([row[c] for c in FILE_COLUMNS] for row in out)
    used = Counter(row["entity"] for row in out)
    return buf.getvalue(), out, used


def build_entities() -> str:
    """``data/entities.csv``: the admin units and organisations the statistics use."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["entity", "entity_type", "name_vi", "name_en", "admin_code", "admin_vintage",
                "note"])
    for row in ADMIN:
        w.writerow(row)
    for raw, (eid, vi, en, note) in ORGS.items():
        w.writerow([eid, "organisation", vi, en, "", "", f'{note}; research entity text: "{raw}"'])
    return buf.getvalue()

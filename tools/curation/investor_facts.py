"""``data/investor_facts.csv`` from the research's ``investor-facts.csv``."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from geo_industry.investor_facts import COLUMNS

from .text import clean

AS_OF_PATTERN = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def investor_entity(raw: str, as_of: str, feature_ids: set[str]) -> str:
    """Zone facts use feature ids; 'province' (incentive rules, contacts) is the merged province
    for facts dated from the merger on or undated (the research gives them as current), else
    the former Lào Cai province."""
    if raw == "province":
        return "admin:10:pre-2025-07-01" if as_of and as_of < "2025-07" else "admin:15:2025-07-01"
    if raw in feature_ids:
        return raw
    raise SystemExit(f"investor-facts.csv: entity does not resolve: {raw!r}")


def build_investor_facts(research: Path, feature_ids: set[str]) -> tuple[str, int]:
    """``data/investor_facts.csv`` (the core's columns) and its row count; a malformed row stops the run."""
    with open(research / "investor-facts.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for n, r in enumerate(rows, start=2):
        as_of = r["as_of"].strip()
        url = r["source_url"].strip()
        if not url.startswith(("http://", "https://")):
            raise SystemExit(f"investor-facts.csv row {n}: source_url is not an http(s) URL: {url!r}")
        if as_of and not AS_OF_PATTERN.match(as_of):
            raise SystemExit(f"investor-facts.csv row {n}: as_of is not YYYY[-MM[-DD]]: {as_of!r}")
        if not (r["value_vi"].strip() or r["value_en"].strip()):
            raise SystemExit(f"investor-facts.csv row {n}: no value in either language")
        w.writerow([investor_entity(r["entity_id"].strip(), as_of, feature_ids), r["field"].strip(),
                    clean(r["value_vi"]) or "", clean(r["value_en"]) or "", url, as_of])
    return buf.getvalue(), len(rows)

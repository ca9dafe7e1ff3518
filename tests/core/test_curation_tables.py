"""The curation's fact tables (tools/curation/tables/): each site row names its source and is a research site."""

from __future__ import annotations

import csv

import pytest
import yaml
from tests.conftest import REPO_ROOT, RESEARCH_DIR

TABLES_DIR = REPO_ROOT / "tools" / "curation" / "tables"


def _rows(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _site_tables() -> dict[str, list[dict[str, str]]]:
    """The tables holding facts about sites (keyed by the research's site id)."""
    tables = {path.name: _rows(path) for path in sorted(TABLES_DIR.glob("*.csv"))}
    return {name: rows for name, rows in tables.items() if rows and "id" in rows[0]}


def _is_source(text: str) -> bool:
    return text.startswith(("http://", "https://")) or text.startswith("research: ")


def test_every_site_fact_row_names_its_source():
    tables = _site_tables()
    assert len(tables) >= 9
    for name, rows in tables.items():
        for n, row in enumerate(rows, start=2):
            sources = row.get("source", "").split(" ; ")
            assert all(_is_source(s) for s in sources), f"{name} row {n}: source is {row.get('source')!r}"


def test_every_zone_fact_source_is_a_url():
    facts = yaml.safe_load((TABLES_DIR / "zone_facts.yaml").read_text(encoding="utf-8"))
    for zone_id, fields in facts.items():
        assert all(url.startswith(("http://", "https://")) for url in fields["sources"]), zone_id


@pytest.mark.skipif(not RESEARCH_DIR.exists(), reason="the shared research folder is not beside the repo")
def test_every_fact_table_row_is_a_site_of_the_research():
    site_ids = {row["id"] for row in _rows(RESEARCH_DIR / "lao-cai-sites.csv")}
    for name, rows in _site_tables().items():
        assert {row["id"] for row in rows} <= site_ids, name
    zone_facts = yaml.safe_load((TABLES_DIR / "zone_facts.yaml").read_text(encoding="utf-8"))
    assert set(zone_facts) <= site_ids

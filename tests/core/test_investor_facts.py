"""Investor facts: curated from the research, typed by the loader, checked by validate."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from tests.conftest import DATA_DIR, RESEARCH_DIR

from geo_industry.errors import DataError
from geo_industry.investor_facts import COLUMNS, facts_of, load_investor_facts
from geo_industry.validate import validate_data_dir

FACTS = DATA_DIR / "investor_facts.csv"
MERGED_PROVINCE = "admin:15:2025-07-01"


def _known(store) -> set[str]:  # type: ignore[no-untyped-def]
    return {fid for meta in store.collections() for fid in store.frame(meta.id)["id"]} | set(store.entities["entity"])


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_shipped_facts_load_typed_and_every_entity_exists(store):
    facts = load_investor_facts(FACTS, known_entities=_known(store))
    assert facts and all(f.source_url.startswith(("http://", "https://")) for f in facts)
    board = facts_of(facts, "tang-loong-iz")
    assert any(f.field == "management_board" and f.value("en") for f in board)


@pytest.mark.skipif(not RESEARCH_DIR.exists(), reason="the shared research folder is not beside the repo")
def test_every_research_fact_is_curated_as_written():
    with (RESEARCH_DIR / "investor-facts.csv").open(encoding="utf-8", newline="") as handle:
        research = list(csv.DictReader(handle))
    facts = load_investor_facts(FACTS)
    assert len(facts) == len(research)
    for row, fact in zip(research, facts, strict=True):
        assert (fact.field, fact.value_en or "", fact.source_url, fact.as_of or "") == (
            row["field"], row["value_en"], row["source_url"], row["as_of"])
        expected = MERGED_PROVINCE if row["entity_id"] == "province" else row["entity_id"]
        assert fact.entity == expected  # all 'province' facts are dated after the merger, or undated


def test_a_fact_in_one_language_falls_back_to_the_other():
    facts = load_investor_facts(FACTS)
    english_only = next(f for f in facts if not f.value_vi)
    assert english_only.value("vi") == english_only.value_en


def test_validate_names_row_and_column_of_each_fault(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("investor_facts.csv"))
    good = {"entity": "tang-loong-iz", "field": "occupancy_rate", "value_vi": "85%", "value_en": "85%",
            "source_url": "https://example.org/a", "as_of": "2026-05"}
    _write(data / "investor_facts.csv", [
        good,
        {**good, "entity": "atlantis-iz"},
        {**good, "field": "projects_count", "source_url": "ftp://example.org/a"},
        {**good, "field": "industrial_land_ha", "as_of": "2026-02-30"},
        {**good, "field": "developer_address", "value_vi": "", "value_en": ""},
        dict(good),
    ])
    errors = [str(p) for p in validate_data_dir(data) if p.severity == "error"]
    assert len(errors) == 5, errors
    joined = "\n".join(errors)
    for text in ("row 3 (atlantis-iz/occupancy_rate): field entity", "row 4 (tang-loong-iz/projects_count): "
                 "field source_url", "row 5 (tang-loong-iz/industrial_land_ha): field as_of",
                 "row 6 (tang-loong-iz/developer_address): field value_en", "row 7 (tang-loong-iz/occupancy_rate)"):
        assert text in joined


def test_the_loader_refuses_faulty_rows_when_given_the_entities(tmp_path):
    path = _write(tmp_path / "facts.csv", [{"entity": "atlantis-iz", "field": "x", "value_vi": "", "value_en": "y",
                                            "source_url": "https://example.org", "as_of": ""}])
    with pytest.raises(DataError, match="row 2: entity"):
        load_investor_facts(path, known_entities={"tang-loong-iz"})
    assert load_investor_facts(path)[0].as_of is None  # without entities only the columns are checked

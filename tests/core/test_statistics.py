"""Statistics: integrity, the seed figures, the latest-actual join and derived indicators."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from tests.conftest import DATA_DIR, RESEARCH_DIR

from geo_industry.errors import DataError
from geo_industry.statistics import KEY, check_entities, derived_indicators, latest_actuals, needs_year

OLD_LAO_CAI = "admin:10:pre-2025-07-01"


def _row(**values: object) -> dict[str, object]:
    base = {"indicator": "copper_cathode_output", "entity": "smelter", "year": 2020, "period": "FY",
            "value": 10.0, "unit": "t", "basis": "actual", "price_basis": "n/a", "source": "https://x",
            "note": "", "variant": 0}
    return {**base, **values}


def test_seed_figures_of_the_2022_article(store):
    stats = store.statistics
    ipv = stats[(stats["indicator"] == "industrial_production_value") & (stats["entity"] == OLD_LAO_CAI)]
    actual_2021 = ipv[(ipv["year"] == 2021) & (ipv["basis"] == "actual") & (ipv["period"] == "FY")]
    target_2022 = ipv[(ipv["year"] == 2022) & (ipv["basis"] == "target") & (ipv["period"] == "FY")]
    assert 41_200 in set(actual_2021["value"])
    assert 46_000 in set(target_2022["value"])
    cathode = stats[(stats["indicator"] == "copper_cathode_output") & (stats["year"] == 2022)
                    & (stats["basis"] == "target")]
    assert 18_000 in set(cathode["value"])


def test_keys_are_unique(store):
    assert not store.statistics.duplicated(subset=list(KEY)).any()


def test_every_entity_is_known(store):
    feature_ids = {fid for meta in store.collections() for fid in store.frame(meta.id)["id"]}
    check_entities(store.statistics, feature_ids | set(store.entities["entity"]))


def test_unknown_entity_is_an_error_not_a_silent_drop():
    stats = pd.DataFrame([_row(entity="atlantis")])
    with pytest.raises(DataError, match="entity 'atlantis'"):
        check_entities(stats, {"smelter"})


def test_latest_actual_ignores_targets_partial_years_and_variants():
    stats = pd.DataFrame([
        _row(year=2020, value=10.0), _row(year=2021, value=12.0), _row(year=2022, value=99.0, basis="target"),
        _row(year=2022, value=5.0, period="H1"), _row(year=2021, value=11.0, variant=1)])
    latest = latest_actuals(stats)
    assert latest.loc["smelter", "latest_copper_cathode_output"] == 12.0
    assert latest.loc["smelter", "latest_copper_cathode_output_year"] == 2021


def test_derived_growth_attainment_and_share():
    stats = pd.DataFrame([
        _row(year=2020, value=10.0), _row(year=2021, value=12.0), _row(year=2021, value=15.0, basis="target"),
        _row(entity="province", year=2021, value=48.0),
    ])
    derived = derived_indicators(stats, province_of={"smelter": ("province",)}).set_index("indicator")
    assert derived.loc["copper_cathode_output_yoy_growth", "value"] == pytest.approx(20.0)
    assert derived.loc["copper_cathode_output_target_attainment", "value"] == pytest.approx(80.0)
    assert derived.loc["copper_cathode_output_share_of_province", "value"] == pytest.approx(25.0)


def test_growth_is_never_computed_across_price_bases():
    stats = pd.DataFrame([
        _row(indicator="ipv", unit="bn_vnd", price_basis="constant_1994", year=2010, value=100.0),
        _row(indicator="ipv", unit="bn_vnd", price_basis="constant_2010", year=2011, value=300.0),
    ])
    assert derived_indicators(stats, province_of={}).empty


def test_the_research_2021_growth_matches_the_derived_one(store):
    derived = store.derived_statistics
    growth = derived[(derived["indicator"] == "industrial_production_value_yoy_growth")
                     & (derived["entity"] == OLD_LAO_CAI) & (derived["year"] == 2021)]
    # the article: 41,200 bn VND in 2021, +11.2 % on 2020
    assert any(abs(v - 11.2) < 0.1 for v in growth["value"])


def test_statistics_file_has_the_documented_columns():
    header = (DATA_DIR / "statistics.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    for column in ("indicator", "entity", "year", "period", "value", "unit", "basis", "price_basis", "source"):
        assert column in header


def _research_stats() -> list[dict[str, str]]:
    with (RESEARCH_DIR / "lao-cai-stats.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.skipif(not RESEARCH_DIR.exists(), reason="the shared research folder is not beside the repo")
def test_every_computed_figure_of_the_research_keeps_its_derivation(store):
    stats = store.statistics
    computed = [r for r in _research_stats() if r["derivation"].strip()]
    assert computed and stats["derivation"].astype(bool).sum() == len(computed)
    for row in computed:
        match = stats[(stats["indicator"] == row["indicator"]) & (stats["source"] == row["source_url"])
                      & (stats["value"] == float(row["value"])) & (stats["basis"] == row["basis"])]
        assert list(match["derivation"]) == [row["derivation"].strip()], row


def test_derived_indicators_say_how_they_were_computed(store):
    derived = store.derived_statistics
    assert len(derived) and derived["derivation"].str.startswith("derived: ").all()


@pytest.mark.skipif(not RESEARCH_DIR.exists(), reason="the shared research folder is not beside the repo")
def test_a_row_without_a_year_keeps_its_period_and_is_never_latest_nor_derived(store):
    undated = [r for r in _research_stats() if not r["year"].strip()]
    assert undated, "the research has rows whose year the source does not state"
    stats = store.statistics
    kept = stats[stats["year"].isna()]
    assert sorted(kept["period"]) == sorted(r["period"] for r in undated)
    assert not any(needs_year(p) for p in kept["period"])
    for row in kept.itertuples():
        latest = latest_actuals(stats)
        if row.entity in latest.index and f"latest_{row.indicator}" in latest.columns:
            assert latest.loc[row.entity, f"latest_{row.indicator}"] != row.value
    derived = store.derived_statistics
    assert not derived["year"].isna().any()


def test_a_year_is_needed_for_a_period_within_a_year():
    assert [needs_year(p) for p in ("FY", "H1", "Q2", "Jan-May", "Sep", "Jan 7-Nov", "")] == [True] * 7
    assert not needs_year("not stated (text refers to the COVID-19 pandemic)")

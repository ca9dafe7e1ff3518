"""Quarantine in the store itself: damaged catalog entries, feature rows and statistics rows are left out.

The store is opened on a seeded database into which the test writes damage with SQL, as an
operator's manual edit or an older version would have; loading never fails, the rest is served.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tests.conftest import DATA_DIR

from geo_industry.store.sqlite import SQLiteStore


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store.sqlite"
    SQLiteStore.open(path, seed_dir=DATA_DIR).close()
    return path


def _execute(path: Path, *statements: str) -> None:
    con = sqlite3.connect(path)
    for statement in statements:
        con.execute(statement)
    con.commit()
    con.close()


def test_a_damaged_catalog_entry_quarantines_its_layer_only(store_path: Path) -> None:
    _execute(store_path, "UPDATE layers SET metadata = '{\"id\": \"transport\"}' WHERE id = 'transport'",
             "UPDATE layers SET metadata = json_set(metadata, '$.sources', json('[\"javascript:alert(1)\"]')) "
             "WHERE id = 'border_gates'")
    view = SQLiteStore(store_path).snapshot()
    layers = {meta.id for meta in view.collections()}
    assert "transport" not in layers and "border_gates" not in layers and "mines" in layers
    reasons = {row.collection: row.reason for row in view.quarantined if row.feature_id is None}
    assert "title" in reasons["transport"]
    assert "sources[0]" in reasons["border_gates"]


def test_damaged_statistics_rows_are_left_out(store_path: Path) -> None:
    _execute(store_path, "UPDATE statistics SET year = '1e30' WHERE position = 0",
             "UPDATE statistics SET value = '1e400' WHERE position = 1")
    view = SQLiteStore(store_path).snapshot()
    reasons = [row.reason for row in view.quarantined if row.collection == "statistics"]
    assert len(reasons) == 2 and "year" in reasons[0] and "value" in reasons[1]
    assert len(view.statistics) > 0


def test_a_feature_whose_id_differs_from_its_properties_is_left_out(store_path: Path) -> None:
    _execute(store_path, "UPDATE features SET properties = json_set(properties, '$.id', 'other') "
                         "WHERE id = 'vi-kem-copper-mine'")
    view = SQLiteStore(store_path).snapshot()
    assert [row.feature_id for row in view.quarantined] == ["vi-kem-copper-mine"]
    assert "vi-kem-copper-mine" not in set(view.frame("mines")["id"])

"""Statistics rows in bulk (CSV or JSON), add or replace, all-or-nothing, through the real app."""

from __future__ import annotations

import csv
import io

import pytest
from tests.editing.conftest import STAT_ROW, bearer

URL = "/collections/statistics/items"


@pytest.fixture(scope="module")
def writer(tokens):
    """Headers of a key with stats:write."""
    return bearer(tokens["stats:write"])


def _rows(year: int, periods: tuple[str, ...] = ("Q1", "Q2", "Q3", "Q4")) -> list[dict[str, str]]:
    return [{**STAT_ROW, "year": str(year), "period": p, "value": str(1000 + i)} for i, p in enumerate(periods)]


def _csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _count(client, year: int) -> int:
    """Stored (not derived) rows of the test entity and indicator in ``year``, read through the API."""
    params = {"entity": "tang-loong-copper-smelter", "indicator": "copper_cathode_output",
              "filter": f"year = {year} AND derived = false", "limit": 1000}
    response = client.get(URL, params=params)
    assert response.status_code == 200, response.text
    return int(response.json()["numberMatched"])


def test_add_rows_as_csv(client, writer):
    response = client.post(URL, content=_csv(_rows(2040)), headers={**writer, "Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.json() == {"mode": "add", "rows": 4}
    assert _count(client, 2040) == 4


def test_add_rows_as_json(client, writer):
    response = client.post(URL, json=_rows(2041), headers=writer)
    assert response.status_code == 200
    assert _count(client, 2041) == 4


def test_json_rows_may_be_wrapped_and_typed(client, writer):
    rows = [{**row, "year": 2042, "value": 12.5} for row in _rows(2042, ("FY",))]
    assert client.post(URL, json={"rows": rows}, headers=writer).status_code == 200
    assert _count(client, 2042) == 1


def test_adding_an_existing_row_is_409_and_replace_overwrites_it(client, store, writer):
    client.post(URL, json=_rows(2043, ("FY",)), headers=writer)
    assert client.post(URL, json=_rows(2043, ("FY",)), headers=writer).status_code == 409
    changed = [{**_rows(2043, ("FY",))[0], "value": "7777"}]
    response = client.post(URL, json=changed, params={"mode": "replace"}, headers=writer)
    assert response.status_code == 200
    stored = store.statistics
    row = stored[(stored["year"] == 2043) & (stored["entity"] == "tang-loong-copper-smelter")]
    assert list(row["value"]) == [7777.0]


def test_a_batch_with_one_bad_row_is_rejected_whole_and_changes_nothing(client, store, writer):
    revision, count = store.revision(), len(store.statistics)
    rows = [*_rows(2044), {**STAT_ROW, "year": "2044", "period": "H1", "entity": "atlantis"},
            {**STAT_ROW, "year": "2044", "period": "H2", "basis": "hoped"}]
    response = client.post(URL, content=_csv(rows), headers={**writer, "Content-Type": "text/csv"})
    assert response.status_code == 422
    description = response.json()["description"]
    assert "unknown entity 'atlantis'" in description and "'hoped' is not one of" in description
    assert (store.revision(), len(store.statistics)) == (revision, count)
    assert _count(client, 2044) == 0


def test_a_batch_with_a_conflict_midway_changes_nothing(client, store, writer):
    client.post(URL, json=_rows(2045, ("Q3",)), headers=writer)
    revision = store.revision()
    response = client.post(URL, json=_rows(2045), headers=writer)  # Q1, Q2 new; Q3 exists
    assert response.status_code == 409
    assert store.revision() == revision
    assert _count(client, 2045) == 1


@pytest.mark.parametrize(
    ("rows", "message"),
    [([{"indicator": "x"}], "missing column entity"),
     ([{**STAT_ROW, "colour": "red"}], "unknown column colour"),
     ([{**STAT_ROW, "value": [1, 2]}], "nested value"),
     ([], "no statistics rows")],
    ids=["missing-column", "unknown-column", "nested", "empty"],
)
def test_malformed_rows_are_422(client, writer, rows, message):
    response = client.post(URL, json=rows, headers=writer)
    assert response.status_code == 422
    assert message in response.json()["description"]


def test_an_unknown_mode_is_400(client, writer):
    assert client.post(URL, json=_rows(2046), params={"mode": "merge"}, headers=writer).status_code == 400


def test_every_row_is_audited(client, store, writer):
    client.post(URL, json=_rows(2047, ("Q1", "Q2")), headers=writer)
    entries = [e for e in store.history(feature_id="tang-loong-copper-smelter", limit=10)
               if e.after and e.after.get("year") == "2047"]
    assert {e.action for e in entries} == {"statistics.add"}
    assert len(entries) == 2
    assert all(e.actor.startswith("planner-stats (key ") for e in entries)

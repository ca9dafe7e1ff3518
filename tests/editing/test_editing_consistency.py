"""Proven by tests: readers running during a stream of writes never see a half-applied change.

A real server takes two kinds of write, each one transaction that changes several related
things: statistics batches (``BATCH_ROWS`` rows sharing one variant) and feature updates that
set two properties to the same value. Reader threads meanwhile check, on every response, that
each batch is there whole or not at all, that a page's ``numberMatched`` agrees with its rows,
and that the two properties agree, in the single feature and in the items page.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
import pytest
from tests.conftest import DATA_DIR
from tests.editing.conftest import GATE_URL, MERGE_PATCH, STAT_ROW, bearer, create_tokens, running_server

from geo_industry.store.sqlite import SQLiteStore

BATCH_ROWS = 25
BATCHES = 16
PAIRS = 16
READERS = 4
RECORDS = {"entity": STAT_ROW["entity"], "filter": "basis = 'preliminary' AND variant > 0", "limit": 10_000}


def _batch(number: int) -> list[dict[str, str]]:
    return [{**STAT_ROW, "year": str(2100 + i), "period": "FY", "basis": "preliminary", "variant": str(number),
             "value": str(i)} for i in range(BATCH_ROWS)]


def _write(url: str, token: str, done: threading.Event, acknowledged: list[str]) -> None:
    with httpx.Client(base_url=url, headers=bearer(token), timeout=60) as http:
        for number in range(1, max(BATCHES, PAIRS) + 1):
            if number <= BATCHES:
                response = http.post("/collections/statistics/items", json=_batch(number))
                acknowledged.append(f"batch {response.status_code}")
            if number <= PAIRS:
                etag = http.get(GATE_URL).headers["etag"]
                patch = f'{{"properties": {{"status_note": "pair-{number}", "operator": "pair-{number}"}}}}'
                response = http.patch(GATE_URL, content=patch.encode(), headers={**MERGE_PATCH, "If-Match": etag})
                acknowledged.append(f"pair {response.status_code}")
    done.set()


def _check_records(http: httpx.Client) -> list[str]:
    page = http.get("/collections/statistics/items", params=RECORDS).json()
    counts = Counter(f["properties"]["variant"] for f in page["features"])
    problems = [f"batch {v} has {n} of {BATCH_ROWS} rows" for v, n in counts.items() if n != BATCH_ROWS]
    if page["numberMatched"] != len(page["features"]):
        problems.append(f"numberMatched {page['numberMatched']} but {len(page['features'])} rows")
    return problems


def _check_pairs(http: httpx.Client) -> list[str]:
    problems = []
    feature = http.get(GATE_URL).json()["properties"]
    page = http.get("/collections/border_gates/items", params={"limit": 1000}).json()["features"]
    for properties in [feature, *(f["properties"] for f in page if f["id"] == feature["id"])]:
        if (properties.get("status_note") or "").startswith("pair-") and \
                properties["status_note"] != properties.get("operator"):
            problems.append(f"half an update: {properties['status_note']} / {properties.get('operator')}")
    return problems


def _read(url: str, done: threading.Event, problems: list[str], checks: list[int]) -> None:
    with httpx.Client(base_url=url, timeout=60) as http:
        while not done.is_set():
            problems.extend(_check_records(http))
            problems.extend(_check_pairs(http))
            checks.append(1)


@pytest.mark.slow
def test_readers_never_see_a_half_applied_change(tmp_path):
    path = tmp_path / "store.sqlite"
    SQLiteStore.open(path, seed_dir=DATA_DIR).close()
    token = create_tokens(path)["all"]
    problems: list[str] = []
    checks: list[int] = []
    acknowledged: list[str] = []
    done = threading.Event()
    started = time.monotonic()
    with running_server(path) as (url, _):
        readers = [threading.Thread(target=_read, args=(url, done, problems, checks)) for _ in range(READERS)]
        for reader in readers:
            reader.start()
        _write(url, token, done, acknowledged)
        for reader in readers:
            reader.join(timeout=60)
        final = httpx.get(f"{url}/collections/statistics/items", params=RECORDS).json()["numberMatched"]
    assert problems == []
    assert Counter(acknowledged) == {"batch 200": BATCHES, "pair 204": PAIRS}
    assert final == BATCHES * BATCH_ROWS
    assert len(checks) >= READERS
    print(f"consistency test: {len(checks)} reader checks during {BATCHES} batches and {PAIRS} paired updates, "
          f"{time.monotonic() - started:.1f} s")

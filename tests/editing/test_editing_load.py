"""Proven by tests: a bounded mixed load (several client processes, two server workers) loses nothing.

``CLIENTS`` processes each run ``ROUNDS`` rounds of reads and writes (tests/editing/load_client.py)
against a real uvicorn server with two worker processes sharing the store. At the end every
acknowledged write is present, the counts match (features, statistics rows, audit entries)
and no response was a 5xx.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from tests.conftest import DATA_DIR
from tests.editing.conftest import STAT_ROW, create_tokens, running_server

from geo_industry.store.sqlite import SQLiteStore

CLIENTS = 3
ROUNDS = 6
#: a hang guard for the client processes, not a performance target (benchmarks live in bench/)
HANG_GUARD_S = 600
CLIENT_SCRIPT = Path(__file__).with_name("load_client.py")


def _run_clients(url: str, token: str) -> list[dict]:
    processes = [subprocess.Popen([sys.executable, str(CLIENT_SCRIPT), url, token, str(n + 1), str(ROUNDS)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for n in range(CLIENTS)]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=HANG_GUARD_S)
        assert process.returncode == 0, err
        results.append(json.loads(out))
    return results


@pytest.mark.slow
def test_mixed_load_keeps_every_acknowledged_write(tmp_path):
    path = tmp_path / "store.sqlite"
    seeded = SQLiteStore.open(path, seed_dir=DATA_DIR)
    gates, rows = len(seeded.frame("border_gates")), len(seeded.statistics)
    seeded.close()
    token = create_tokens(path)["all"]
    started = time.monotonic()
    with running_server(path, workers=2) as (url, _):
        results = _run_clients(url, token)
        elapsed = time.monotonic() - started
        created = [fid for r in results for fid in r["created"]]
        added = [row for r in results for row in r["rows"]]
        updated = [fid for r in results for fid in r["updated"]]
        statuses = sum((Counter(r["statuses"]) for r in results), Counter())
        with httpx.Client(base_url=url, timeout=60) as http:
            page = http.get("/collections/border_gates/items", params={"limit": 1000}).json()
            records = http.get("/collections/statistics/items", params={
                "entity": STAT_ROW["entity"], "filter": "basis = 'estimate' AND year >= 2150", "limit": 1000}).json()
            notes = {fid: http.get(f"/collections/border_gates/items/{fid}").json()["properties"]["status_note"]
                     for fid in updated}
    assert not [status for status in statuses if int(status) >= 500], statuses
    assert len(created) == len(added) == len(updated) == CLIENTS * ROUNDS
    assert page["numberMatched"] == gates + len(created)
    assert set(created) <= {f["id"] for f in page["features"]}
    assert records["numberMatched"] == len(added)
    assert all(note.startswith("updated by ") for note in notes.values())
    store = SQLiteStore(path)
    assert len(store.statistics) == rows + len(added)
    assert len(store.history(limit=100_000)) == store.revision() == len(created) + len(added) + len(updated)
    store.close()
    print(f"load test: {CLIENTS} processes x {ROUNDS} rounds, {sum(statuses.values())} requests "
          f"({dict(statuses)}), {elapsed:.1f} s")

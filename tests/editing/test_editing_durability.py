"""Proven by tests: a SIGKILL mid-write in a real server loses nothing acknowledged, leaves no partial state.

Writers send statistics batches (200 rows each, one transaction per batch) and a chain of feature
updates to a real uvicorn process; the process is killed with SIGKILL while requests are in
flight. Afterwards every acknowledged batch is there whole, no batch is there in part, the
acknowledged feature version (or the one in flight) is stored, the database passes SQLite's
integrity check, the audit trail counts exactly the stored changes, a restarted server serves
the data and ``geo-industry validate`` passes on ``geo-industry export-data`` output.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import DATA_DIR
from tests.editing.conftest import (
    GATE,
    GATE_URL,
    MERGE_PATCH,
    STAT_ROW,
    bearer,
    create_tokens,
    running_server,
    server_env,
)

from geo_industry.store.sqlite import SQLiteStore

BATCH_ROWS = 200
WRITERS = 3
ENTITY = STAT_ROW["entity"]


def batch(number: int) -> list[dict[str, str]]:
    """Statistics rows of one batch: its number is the rows' variant (years 2000–2199)."""
    return [{**STAT_ROW, "year": str(2000 + i), "period": "FY", "value": str(number * 1000 + i),
             "basis": "estimate", "variant": str(number)} for i in range(BATCH_ROWS)]


class Writers:
    """Threads writing until the server dies; they keep what was acknowledged."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.headers = url, bearer(token)
        self.batches: list[int] = []
        self.versions: list[int] = []
        self.unexpected: list[str] = []
        self.in_flight: set[str] = set()  # threads that sent a request and have no answer yet
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._statistics, args=(i + 1,)) for i in range(WRITERS)]
        self.threads.append(threading.Thread(target=self._feature))

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _send(self, method: Callable[..., httpx.Response], url: str, **kwargs: Any) -> httpx.Response:
        name = threading.current_thread().name
        self.in_flight.add(name)
        try:
            return method(url, **kwargs)
        finally:
            self.in_flight.discard(name)

    def _statistics(self, first: int) -> None:
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=60) as http:
            number = first
            while not self.stop.is_set():
                try:
                    response = self._send(http.post, "/collections/statistics/items", json=batch(number))
                except httpx.HTTPError:
                    return  # the server is gone: this batch was never acknowledged
                if response.status_code == 200:
                    self.batches.append(number)
                else:
                    self.unexpected.append(f"statistics {response.status_code}: {response.text[:200]}")
                number += WRITERS

    def _feature(self) -> None:
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=60) as http:
            etag, version = http.get(GATE_URL).headers["etag"], 0
            while not self.stop.is_set():
                version += 1
                patch = f'{{"properties": {{"status_note": "v{version}"}}}}'.encode()
                try:
                    response = self._send(http.patch, GATE_URL, content=patch,
                                          headers={**MERGE_PATCH, "If-Match": etag})
                except httpx.HTTPError:
                    return
                if response.status_code == 412:  # a statistics batch changed every feature's ETag: refetch
                    version -= 1
                    try:
                        etag = http.get(GATE_URL).headers["etag"]
                    except httpx.HTTPError:
                        return
                    continue
                if response.status_code != 204:
                    self.unexpected.append(f"patch {response.status_code}: {response.text[:200]}")
                    return
                etag = response.headers["etag"]
                self.versions.append(version)


def _stored_batches(path: Path) -> dict[int, int]:
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = con.execute("SELECT variant, COUNT(*) FROM statistics WHERE entity = ? AND basis = 'estimate' "
                           "AND CAST(variant AS INTEGER) > 0 GROUP BY variant", (ENTITY,)).fetchall()
    finally:
        con.close()
    return {int(variant): count for variant, count in rows}


def _kill_mid_write(url: str, process: subprocess.Popen[bytes], writers: Writers) -> float:
    deadline = time.monotonic() + 60
    while (len(writers.batches) < 6 or len(writers.versions) < 6
           or len(writers.in_flight) < len(writers.threads)) and time.monotonic() < deadline:
        time.sleep(0.02)  # poll: acknowledged writes on every writer, then a request in flight on each
    started = time.monotonic()
    os.kill(process.pid, signal.SIGKILL)  # our own server process, by id
    process.wait(timeout=10)
    writers.join()
    return time.monotonic() - started


@pytest.mark.slow
def test_sigkill_mid_write_loses_nothing_acknowledged(tmp_path):
    started = time.monotonic()
    path = tmp_path / "store.sqlite"
    SQLiteStore.open(path, seed_dir=DATA_DIR).close()
    token = create_tokens(path)["all"]
    with running_server(path) as (url, process):
        writers = Writers(url, token)
        writers.start()
        _kill_mid_write(url, process, writers)
    assert process.returncode == -signal.SIGKILL
    assert writers.unexpected == []

    stored = _stored_batches(path)
    assert set(writers.batches) <= set(stored), "an acknowledged batch was lost"
    assert set(stored.values()) == {BATCH_ROWS}, "a batch is stored in part"
    assert len(stored) - len(writers.batches) <= WRITERS  # at most the batches in flight

    store = SQLiteStore(path)
    note = store.get("border_gates", GATE).iloc[0]["status_note"]
    last = writers.versions[-1]
    assert note in (f"v{last}", f"v{last + 1}"), "the acknowledged feature version was lost"
    audit = store.history(limit=100_000)
    assert len(audit) == store.revision() == len(stored) * BATCH_ROWS + int(note[1:])
    store.close()

    with running_server(path) as (url, _):  # restart: the server serves what was stored
        page = httpx.get(f"{url}/collections/statistics/items", params={
            "entity": ENTITY, "filter": "basis = 'estimate' AND variant > 0", "limit": 1}).json()
        assert page["numberMatched"] == len(stored) * BATCH_ROWS
        assert httpx.get(f"{url}{GATE_URL}").json()["properties"]["status_note"] == note

    out = tmp_path / "exported"
    cli = [sys.executable, "-m", "geo_industry"]
    env = server_env(path)
    exported = subprocess.run([*cli, "export-data", "-o", str(out)], env=env, capture_output=True, text=True,
                              timeout=120)
    assert exported.returncode == 0, exported.stderr
    validated = subprocess.run([*cli, "validate", str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    print(f"SIGKILL test: {len(writers.batches)} batches and {len(writers.versions)} feature versions "
          f"acknowledged, {len(stored)} batches stored, {time.monotonic() - started:.1f} s")

"""Re-preparation after a write (not a test): how long ``Prepared.of`` takes for the new revision.

    .venv/bin/python bench/bench_prepare.py [--repeat 7] [--backends postgis sqlite]

After each committed write every worker prepares the new revision (:class:`geo_industry.api.state.Prepared`)
before it serves it, so this time bounds how soon a write shows in the other workers. Measured per backend
(a throwaway PostgreSQL/PostGIS cluster from ``tests/pgcluster.py`` loaded with ``data/``; a SQLite store
seeded from ``data/``), the median and maximum over ``--repeat`` writes of each kind:

- ``feature``: a property of a border gate (a layer none of whose features has statistics);
- ``entity feature``: a property of a mine that has statistics rows;
- ``statistics``: one statistics row replaced.

Each preparation follows the previous one, as a serving worker's does.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.pgcluster import Cluster  # noqa: E402

from geo_industry.api.state import Prepared  # noqa: E402
from geo_industry.store import WritableStore  # noqa: E402

DATA_DIR = ROOT / "data"
GATE = ("border_gates", "lao-cai-intl-road-gate")
MINE = ("mines", "sin-quyen-copper-mine")
STAT_ROW = {"indicator": "copper_cathode_output", "entity": "tang-loong-copper-smelter", "year": "2026",
            "period": "Q1", "value": "4500", "unit": "t", "basis": "actual", "price_basis": "n/a",
            "source": "https://example.org/q1-report", "note": ""}


def write_note(layer_id: str, feature_id: str) -> Callable[[WritableStore, int], None]:
    def write(store: WritableStore, number: int) -> None:
        store.update_feature(layer_id, feature_id, {"properties": {"status_note": f"bench {number}"}}, actor="bench")
    return write


def write_statistic(store: WritableStore, number: int) -> None:
    store.write_statistics(pd.DataFrame([{**STAT_ROW, "value": str(4500 + number)}]), actor="bench",
                           mode="add" if number == 0 else "replace")


WRITES: dict[str, Callable[[WritableStore, int], None]] = {
    "feature": write_note(*GATE), "entity feature": write_note(*MINE), "statistics": write_statistic,
}


def time_preparations(store: WritableStore, repeat: int) -> dict[str, list[float]]:
    """Seconds of ``Prepared.of`` after each write, per kind of write (after one cold preparation)."""
    previous = Prepared.of(store)
    numbers = iter(range(10**6))
    out: dict[str, list[float]] = {}
    for kind, write in WRITES.items():
        out[kind] = []
        for _ in range(repeat):
            write(store, next(numbers))
            start = time.perf_counter()
            previous = Prepared.of(store, previous=previous)
            out[kind].append(time.perf_counter() - start)
    return out


@contextmanager
def postgis_store() -> Iterator[WritableStore]:
    from geo_industry.store.postgis.connections import Database
    from geo_industry.store.postgis.loading import load_data
    from geo_industry.store.postgis.store import PostGISStore

    cluster = Cluster.start()
    try:
        database = Database(cluster.url, pool_size=2)
        load_data(database, DATA_DIR)
        store = PostGISStore(database, revision_source=database.revisions().current)
        try:
            yield store
        finally:
            store.close()
    finally:
        cluster.stop()


@contextmanager
def sqlite_store() -> Iterator[WritableStore]:
    from geo_industry.store.sqlite import SQLiteStore

    with tempfile.TemporaryDirectory() as work:
        store = SQLiteStore.open(Path(work) / "store.sqlite", seed_dir=DATA_DIR)
        try:
            yield store
        finally:
            store.close()


BACKENDS = {"postgis": postgis_store, "sqlite": sqlite_store}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--backends", nargs="+", choices=sorted(BACKENDS), default=list(BACKENDS))
    args = parser.parse_args()
    print("| backend | write | median ms | max ms |\n|---|---|---:|---:|")
    for backend in args.backends:
        with BACKENDS[backend]() as store:
            for kind, seconds in time_preparations(store, args.repeat).items():
                print(f"| {backend} | {kind} | {statistics.median(seconds) * 1000:.1f} | {max(seconds) * 1000:.1f} |")


if __name__ == "__main__":
    main()

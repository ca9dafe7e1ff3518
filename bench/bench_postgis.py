"""PostGIS benchmark (not a test): geo-industry against tipg on one database, a million features, 1 and 2 workers.

    .venv/bin/python bench/bench_postgis.py [--points 1000000] [--parcels 100000] [--duration 9]
        [--rounds 3] [--workers 1 2] [--connections 10] [--curve 1 2 4 6] [--write-docs]

A throwaway PostgreSQL/PostGIS cluster (``tests/pgcluster.py``) gets the synthetic layers of
``synthetic_layers.sql`` (points and parcels in the ``geo_industry`` schema, shaped like the
PostGIS store's layer tables). tipg (its own venv, :mod:`tipg_setup`) and, when the PostGIS
store backend is installed, our app serve those same tables under the same uvicorn options;
for each worker count, each round is driven by wrk (:mod:`load`) on every server in turn:
a warm-up, then ``rounds`` runs alternating the servers. Random rounds (bbox, feature, tile)
ask a new path on every request, the same sequence on both servers. Every request carries
``Cache-Control: no-cache`` so our response cache never answers. Reported per round: req/s,
p50, p99, ours/tipg; req/s at 1 and 2 workers; the latency goal at each worker count, and the goal
rounds' p50/p99 at fewer connections (``--curve``: how many requests in flight stay under the goal);
resident memory per worker after the runs.
With --write-docs the results replace the "## PostGIS" section of docs/benchmarks.md (its
hand-written findings too: write them again for the new run); raw results go to
bench/results/postgis-*.raw.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import load
import servers
import tipg_setup
from docs_section import write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.pgcluster import Cluster  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
GENERATOR_SQL = BENCH_DIR / "synthetic_layers.sql"
POINTS, PARCELS = "synthetic_points", "synthetic_parcels"
#: Property columns of the synthetic tables (what both servers return as feature properties).
COLUMNS = {POINTS: ["name", "status", "capacity_value", "year"],
           PARCELS: ["parcel_no", "land_use", "area_ha", "district"]}
#: Lào Cai province (merged, 2025), lon/lat: where the synthetic features lie.
EXTENT = (103.52, 21.40, 105.10, 22.86)
POOL_SIZE = 10  # connections per worker, both servers
NO_CACHE = {"Cache-Control": "no-cache"}
OURS, TIPG = "geo-industry", "tipg"
CLUSTER_SETTINGS = {"shared_buffers": "512MB", "max_connections": "100"}


@dataclass(frozen=True)
class Round:
    """One kind of request: its path on each server and, for random rounds, what varies."""

    name: str
    ours: str
    tipg: str
    side: float = 0.0
    id_count: int = 0
    id_prefix: str = ""

    def paths(self, server: str, seed: int) -> load.RandomPaths | None:
        template = self.ours if server == OURS else self.tipg
        if "{" not in template:
            return None
        return load.RandomPaths(template, EXTENT, side=self.side, zoom=12, id_count=self.id_count,
                                id_prefix=self.id_prefix, seed=seed)

    def example(self, server: str) -> str:
        """One concrete path of this round (the first of seed 0)."""
        paths = self.paths(server, seed=0)
        return next(paths.paths()) if paths else (self.ours if server == OURS else self.tipg)


def rounds(points: int) -> list[Round]:
    """The benchmark requests. Box sides hold ≈170 points resp. ≈110 parcels on average."""
    ours_p, ours_q = f"/collections/{POINTS}", f"/collections/{PARCELS}"
    tipg_p, tipg_q = (f"/collections/{tipg_setup.collection_id(t)}" for t in (POINTS, PARCELS))
    cql2 = "filter-lang=cql2-text&filter=" + quote("land_use = 'industrial' AND area_ha > 10", safe="")
    return [
        Round("items limit=10, points", f"{ours_p}/items?limit=10", f"{tipg_p}/items?limit=10"),
        Round("items limit=100, points", f"{ours_p}/items?limit=100", f"{tipg_p}/items?limit=100"),
        Round("bbox limit=100, points (random box)", f"{ours_p}/items?bbox={{bbox}}&limit=100",
              f"{tipg_p}/items?bbox={{bbox}}&limit=100", side=0.02),
        Round("bbox limit=100, parcels (random box)", f"{ours_q}/items?bbox={{bbox}}&limit=100",
              f"{tipg_q}/items?bbox={{bbox}}&limit=100", side=0.05),
        Round("CQL2 filter limit=100, parcels", f"{ours_q}/items?{cql2}&limit=100", f"{tipg_q}/items?{cql2}&limit=100"),
        Round("one feature, points (random id)", f"{ours_p}/items/{{id}}", f"{tipg_p}/items/{{id}}",
              id_count=points, id_prefix="p"),
        Round("z12 tile, points (random tile)", f"{ours_p}/tiles/WebMercatorQuad/{{tile}}",
              f"{tipg_p}/tiles/WebMercatorQuad/{{zxy}}"),
        Round("z12 tile, parcels (random tile)", f"{ours_q}/tiles/WebMercatorQuad/{{tile}}",
              f"{tipg_q}/tiles/WebMercatorQuad/{{zxy}}"),
    ]


@dataclass
class Measured:
    """One round on one server at one worker count."""

    round: str
    server: str
    workers: int
    connections: int = 0  # 0: the run's main connection count (--connections)
    status: int | None = None
    features: int | None = None
    bytes: int | None = None
    result: load.LoadResult | None = None
    cpu: CpuUse | None = None
    note: str = ""


@dataclass
class Report:
    meta: dict[str, object]
    measured: list[Measured] = field(default_factory=list)
    memory_mb: dict[str, dict[int, list[float]]] = field(default_factory=dict)
    startup_s: dict[str, dict[int, float]] = field(default_factory=dict)

    def get(self, round_name: str, server: str, workers: int, connections: int = 0) -> Measured | None:
        """The round's measurement on ``server`` at ``workers`` and ``connections`` (0: the main count)."""
        wanted = (round_name, server, workers, connections)
        return next((m for m in self.measured if (m.round, m.server, m.workers, m.connections) == wanted), None)


# --- database -----------------------------------------------------------------------------------

def _cli(*args: str, database_url: str, settings: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``geo-industry <args>`` on the postgis backend at ``database_url`` (plus ``GEO_INDUSTRY_`` settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEO_INDUSTRY_")}
    env |= {"GEO_INDUSTRY_STORE_BACKEND": "postgis", "GEO_INDUSTRY_DATABASE_URL": database_url, "COLUMNS": "120"}
    env |= {f"GEO_INDUSTRY_{name}": value for name, value in (settings or {}).items()}
    done = subprocess.run([sys.executable, "-m", "geo_industry", *args], capture_output=True, text=True, env=env,
                          timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"geo-industry {' '.join(args)} exited {done.returncode}: {done.stderr[-3000:]}"
                           f"{done.stdout[-1000:]}")
    return done


def load_real_data(cluster: Cluster) -> float:
    """``geo-industry db load`` of the repository's ``data/`` (schema, real layers, statistics); seconds."""
    start = time.perf_counter()
    _cli("db", "load", "--data", str(ROOT / "data"), database_url=cluster.url)
    return time.perf_counter() - start


def time_layer_load(cluster: Cluster, points: int) -> dict[str, float]:
    """Seconds to write ``points`` synthetic points as a data folder and ``db load`` them into a new database."""
    from scale import write_data_dir

    database = "geo_industry_load"
    cluster.psql("postgres", f"CREATE DATABASE {database}")
    cluster.psql(database, "CREATE EXTENSION postgis")
    url = cluster.url.rsplit("/", 1)[0] + "/" + database
    try:
        with tempfile.TemporaryDirectory(prefix="geo-industry-pgload-") as tmp:
            start = time.perf_counter()
            data_dir = write_data_dir(Path(tmp), points)
            written = time.perf_counter() - start
            start = time.perf_counter()
            _cli("db", "load", "--data", str(data_dir), database_url=url)
            loaded = time.perf_counter() - start
    finally:
        cluster.psql("postgres", f"DROP DATABASE {database}")
    return {"geojson_written_s": round(written, 1), "db_load_s": round(loaded, 1)}


def generate(cluster: Cluster, *, points: int, parcels: int) -> float:
    """Run the SQL generator; return its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run(["psql", "-X", "-q", "-v", f"points={points}", "-v", f"parcels={parcels}", "-v", "seed=0.42",
                    "-f", str(GENERATOR_SQL), cluster.url], check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def table_sizes(cluster: Cluster) -> dict[str, str]:
    """Rows and on-disk size (table + indexes) of each synthetic table."""
    out = {}
    for table in (POINTS, PARCELS):
        out[table] = cluster.psql("geo_industry", f"SELECT count(*) || ' rows, ' || pg_size_pretty("
                                  f"pg_total_relation_size('geo_industry.{table}')) FROM geo_industry.{table}")
    return out


# --- servers ------------------------------------------------------------------------------------

def ours_available() -> bool:
    """Whether this checkout has the PostGIS store backend."""
    return importlib.util.find_spec("geo_industry.store.postgis") is not None


def start_tipg(cluster: Cluster, work: Path, workers: int) -> servers.Server:
    python = tipg_setup.ensure_venv()
    env = tipg_setup.environment(cluster.url, COLUMNS, pool_size=POOL_SIZE)
    return servers.start(TIPG, python, [tipg_setup.APP], workers=workers, work_dir=work, env=env,
                         ready_path="/healthz")


def start_ours(cluster: Cluster, work: Path, workers: int) -> servers.Server:
    (work / "bench_apps.py").write_text(servers.APPS_MODULE)
    env = {"GEO_INDUSTRY_STORE_BACKEND": "postgis", "GEO_INDUSTRY_DATABASE_URL": cluster.url,
           "GEO_INDUSTRY_DATABASE_POOL_SIZE": str(POOL_SIZE), "BENCH_DATA_DIR": str(ROOT / "data")}
    return servers.start(OURS, sys.executable, ["--factory", "bench_apps:ours"], workers=workers, work_dir=work,
                         env=env, ready_path="/")


def _children(pid: int) -> list[int]:
    """Live children of ``pid`` (none when it has exited meanwhile)."""
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out.extend(int(c) for c in (task / "children").read_text().split())
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def _rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int, *, with_reaped: bool) -> float:
    """CPU seconds of a process (and of its children it has reaped, if asked)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    user, system, children_user, children_system = (int(v) for v in fields[11:15])
    return (user + system + ((children_user + children_system) if with_reaped else 0)) / TICKS


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of a process tree: the root with what it reaped, its live children and grandchildren."""
    total = _cpu_s(pid, with_reaped=True)
    for child in _children(pid):
        total += _cpu_s(child, with_reaped=True) + sum(_cpu_s(g, with_reaped=False) for g in _children(child))
    return total


def machine_busy_s() -> float:
    """CPU seconds all cores spent outside idle and iowait since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICKS


@dataclass
class CpuUse:
    """Cores used during the measured runs of one round on one server (CPU seconds / wall seconds)."""

    database: float
    server: float
    load_generator: float
    machine: float


class CpuMeter:
    """CPU seconds of the database, one server, wrk (our children) and the whole machine over a run."""

    def __init__(self, postmaster: int, server: int) -> None:
        self.postmaster, self.server = postmaster, server

    def sample(self) -> tuple[float, ...]:
        children = os.times()
        return (time.perf_counter(), tree_cpu_s(self.postmaster), tree_cpu_s(self.server),
                children.children_user + children.children_system, machine_busy_s())

    @staticmethod
    def use(before: tuple[float, ...], after: tuple[float, ...]) -> CpuUse:
        wall = after[0] - before[0]
        return CpuUse(*(round((a - b) / wall, 2) for a, b in zip(after[1:], before[1:], strict=True)))


def postmaster_pid(cluster: Cluster) -> int:
    return int((cluster.data / "postmaster.pid").read_text().split("\n", 1)[0])


def database_settled(cluster: Cluster, *, guard_s: float = 60.0) -> None:
    """Wait until no other session runs a statement (the previous run's requests left in flight, e.g. tipg's
    ``count(*)`` of a million rows, end before the next run starts instead of slowing its first second), or
    ``guard_s`` passed."""
    deadline = time.monotonic() + guard_s
    while time.monotonic() < deadline:
        busy = cluster.psql("geo_industry", "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")
        if busy == "0":
            return
        time.sleep(0.05)


def worker_rss_mb(server: servers.Server) -> list[float]:
    """Resident memory of each worker process (the process itself when uvicorn runs one worker)."""
    workers = [c for c in _children(server.process.pid) if "spawn_main" in _cmdline(c)]
    return [round(_rss_mb(pid), 1) for pid in workers or [server.process.pid]]


# --- measuring ----------------------------------------------------------------------------------

def _features(response: httpx.Response) -> int | None:
    if "json" not in response.headers.get("content-type", ""):
        return None
    body = response.json()
    if body.get("type") == "FeatureCollection":
        return len(body["features"])
    return 1 if body.get("type") == "Feature" else None


def probe(url: str, path: str) -> tuple[int, int | None, int]:
    """Status, features returned and body size of one request."""
    response = httpx.get(url + path, headers=NO_CACHE, timeout=60.0)
    return response.status_code, _features(response) if response.status_code == 200 else None, len(response.content)


def _combine(results: list[load.LoadResult]) -> load.LoadResult:
    """Mean throughput, median p50, worst p99, summed counts."""
    return load.LoadResult(
        requests=sum(r.requests for r in results), errors=sum(r.errors for r in results),
        rps=statistics.fmean(r.rps for r in results), p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=max(r.p99_ms for r in results), raw="\n".join(r.raw for r in results),
    )


def measure_round(spec: Round, index: int, urls: dict[str, str], meters: dict[str, CpuMeter], *, workers: int,
                  duration_s: float, repeats: int, connections: int, settle: Callable[[], None],
                  curve: bool = False) -> list[Measured]:
    """One round on every server: a probe, a warm-up, then ``repeats`` runs alternating the servers, each run
    started once the database has ``settle``-d (``curve``: a point of the latency curve, recorded under its own
    connection count)."""
    print(f"  [{workers} worker(s), {connections} connection(s)] {spec.name} ...", flush=True)
    measured = {server: Measured(spec.name, server, workers, connections if curve else 0) for server in urls}
    for server, url in urls.items():
        m = measured[server]
        m.status, m.features, m.bytes = probe(url, spec.example(server))
        if m.status != 200:
            m.note = f"HTTP {m.status}"
    runnable = {s: u for s, u in urls.items() if measured[s].status == 200}
    for server, url in runnable.items():
        load.run(url + ("" if spec.paths(server, 0) else spec.example(server)), duration_s=1, connections=connections,
                 headers=NO_CACHE, random_paths=spec.paths(server, seed=999_999))
    results: dict[str, list[load.LoadResult]] = {s: [] for s in runnable}
    cpu: dict[str, list[CpuUse]] = {s: [] for s in runnable}
    for repeat in range(repeats):
        seed = 1000 * (repeat + 1) + index
        for server, url in runnable.items():
            random_paths = spec.paths(server, seed)
            target = url if random_paths else url + spec.example(server)
            settle()
            before = meters[server].sample()
            results[server].append(load.run(target, duration_s=duration_s, connections=connections, headers=NO_CACHE,
                                            random_paths=random_paths))
            cpu[server].append(CpuMeter.use(before, meters[server].sample()))
    for server, runs in results.items():
        measured[server].result = _combine(runs)
        measured[server].cpu = CpuUse(*(round(statistics.fmean(getattr(c, f) for c in cpu[server]), 2)
                                        for f in ("database", "server", "load_generator", "machine")))
    return list(measured.values())


def run(*, points: int, parcels: int, duration_s: float, repeats: int, workers_list: list[int],
        connections: int, with_ours: bool, with_load: bool = True, only: tuple[str, ...] = (),
        curve: tuple[int, ...] = ()) -> Report:
    per_run = max(1, round(duration_s / repeats))
    report = Report(meta={
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": platform.machine(),
        "cpus": os.cpu_count(), "python": platform.python_version(), "loadavg_before": os.getloadavg(),
        "points": points, "parcels": parcels, "duration_s": per_run * repeats, "rounds": repeats,
        "connections": connections, "curve": curve, "pool_size": POOL_SIZE, "cluster_settings": CLUSTER_SETTINGS,
        "generator": load.generator(), "tipg": tipg_setup.TIPG_VERSION,
        "ours": "measured" if with_ours else "not run: the PostGIS store backend is not in this checkout",
    })
    cluster = Cluster.start(settings=CLUSTER_SETTINGS)
    try:
        report.meta["postgres"] = cluster.psql("geo_industry", "SELECT split_part(version(), ' ', 2)")
        report.meta["postgis"] = cluster.psql("geo_industry", "SELECT postgis_lib_version()")
        if with_ours:
            print("db load of data/ ...", flush=True)
            report.meta["real_data_load_s"] = round(load_real_data(cluster), 1)
        print(f"generating {points:,} points and {parcels:,} parcels ...", flush=True)
        report.meta["generate_s"] = round(generate(cluster, points=points, parcels=parcels), 1)
        report.meta["tables"] = table_sizes(cluster)
        with tempfile.TemporaryDirectory(prefix="geo-industry-pgbench-") as tmp:
            for workers in workers_list:
                _measure_workers(report, cluster, Path(tmp), workers=workers, per_run=per_run, repeats=repeats,
                                 connections=connections, with_ours=with_ours, points=points, only=only,
                                 curve=curve)
        if with_ours and with_load:
            print(f"db load of {points:,} points from GeoJSON ...", flush=True)
            report.meta["layer_load"] = time_layer_load(cluster, points)
    finally:
        cluster.stop()
    report.meta["loadavg_after"] = os.getloadavg()
    RESULTS_DIR.mkdir(exist_ok=True)
    raw = RESULTS_DIR / f"postgis-{time.strftime('%Y%m%d-%H%M%S')}.raw"
    raw.write_text(json.dumps(asdict(report), indent=1, default=str))
    return report


def _measure_workers(report: Report, cluster: Cluster, work: Path, *, workers: int, per_run: float, repeats: int,
                     connections: int, with_ours: bool, points: int, only: tuple[str, ...] = (),
                     curve: tuple[int, ...] = ()) -> None:
    starters = {TIPG: start_tipg} | ({OURS: start_ours} if with_ours else {})
    started: dict[str, servers.Server] = {}
    try:
        for name, starter in starters.items():
            began = time.perf_counter()
            started[name] = starter(cluster, work, workers)
            report.startup_s.setdefault(name, {})[workers] = round(time.perf_counter() - began, 1)
        urls = {name: server.url for name, server in started.items()}

        def settle() -> None:
            database_settled(cluster)
        meters = {name: CpuMeter(postmaster_pid(cluster), server.process.pid) for name, server in started.items()}
        for index, spec in enumerate(rounds(points)):
            if only and not any(part in spec.name for part in only):
                continue
            report.measured.extend(measure_round(spec, index, urls, meters, workers=workers, duration_s=per_run,
                                                 repeats=repeats, connections=connections, settle=settle))
        for index, spec in enumerate(rounds(points)):
            if spec.name not in P99_ROUNDS or (only and not any(part in spec.name for part in only)):
                continue
            for level in curve:
                report.measured.extend(measure_round(spec, index, urls, meters, workers=workers, duration_s=per_run,
                                                     repeats=CURVE_RUNS, connections=level, settle=settle,
                                                     curve=True))
        for name, server in started.items():
            report.memory_mb.setdefault(name, {})[workers] = worker_rss_mb(server)
    finally:
        for server in started.values():
            servers.stop(server)


# --- report -------------------------------------------------------------------------------------

def _ratio(mine: Measured | None, theirs: Measured | None) -> str:
    if not (mine and theirs and mine.result and theirs.result and theirs.result.rps):
        return "–"
    return f"{mine.result.rps / theirs.result.rps:.2f}×"


def _rps(m: Measured | None) -> str:
    if m is None:
        return "not run"
    if m.result is None:
        return m.note or "–"
    errors = f" ({m.result.errors} errors)" if m.result.errors else ""
    return f"{m.result.rps:,.0f}{errors}"


def _latency(m: Measured | None) -> str:
    return f"{m.result.p50_ms:.1f} / {m.result.p99_ms:.1f}" if m and m.result else "–"


def _returned(m: Measured | None) -> str:
    if m is None or m.status is None:
        return "–"
    if m.status != 200:
        return f"HTTP {m.status}"
    count = f"{m.features} features, " if m.features is not None else ""
    return f"{count}{m.bytes / 1e3:,.1f} kB"


def _round_table(report: Report, workers: int) -> list[str]:
    lines = ["| round | returned (geo-industry / tipg) | geo-industry req/s | tipg req/s | geo-industry / tipg "
             "| geo-industry p50 / p99 ms | tipg p50 / p99 ms |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    names = list(dict.fromkeys(m.round for m in report.measured))
    for name in names:
        ours, tipg = report.get(name, OURS, workers), report.get(name, TIPG, workers)
        lines.append(f"| {name} | {_returned(ours)} / {_returned(tipg)} | {_rps(ours)} | {_rps(tipg)} | "
                     f"{_ratio(ours, tipg)} | {_latency(ours)} | {_latency(tipg)} |")
    return lines


def _scale_table(report: Report, workers_list: list[int]) -> list[str]:
    if len(workers_list) < 2:
        return []
    low, high = workers_list[0], workers_list[-1]
    lines = [f"| round | server | req/s, {low} worker(s) | req/s, {high} workers | {high} / {low} |",
             "| --- | --- | ---: | ---: | ---: |"]
    for name in dict.fromkeys(m.round for m in report.measured):
        for server in (OURS, TIPG):
            a, b = report.get(name, server, low), report.get(name, server, high)
            if a is None or b is None:
                continue
            lines.append(f"| {name} | {server} | {_rps(a)} | {_rps(b)} | {_ratio(b, a)} |")
    return lines


#: Rounds with the issue's latency goal (p99 < 50 ms at 10 connections).
P99_GOAL_MS = 50.0
P99_ROUNDS = ("items limit=100, points", "bbox limit=100, points (random box)", "z12 tile, points (random tile)")
#: Connection counts of the latency curve of the goal rounds (besides the main count), and its runs per point.
CURVE_CONNECTIONS = (1, 2, 4, 6)
CURVE_RUNS = 2


def _verdict(met: bool | None) -> str:
    return "not measured" if met is None else "**yes**" if met else "**no**"


def _goals(report: Report, workers: int) -> list[str]:
    lines = ["| goal | measured | met |", "| --- | --- | --- |"]
    ratios = []
    for name in dict.fromkeys(m.round for m in report.measured):
        ours, tipg = report.get(name, OURS, workers), report.get(name, TIPG, workers)
        if ours and tipg and ours.result and tipg.result and tipg.result.rps:
            ratios.append((name, ours.result.rps / tipg.result.rps))
    below = [f"{name} {ratio:.2f}×" for name, ratio in ratios if ratio < 1.0]
    lines.append(f"| ≥ tipg's throughput on every round | {len(ratios) - len(below)} of {len(ratios)} rounds; "
                 f"below: {', '.join(below) or 'none'} | {_verdict(not below if ratios else None)} |")
    for name in P99_ROUNDS:
        ours = report.get(name, OURS, workers)
        p99 = ours.result.p99_ms if ours and ours.result else None
        lines.append(f"| p99 < {P99_GOAL_MS:.0f} ms, {name} | {f'{p99:.1f} ms' if p99 is not None else '–'} | "
                     f"{_verdict(p99 < P99_GOAL_MS if p99 is not None else None)} |")
    return lines


def _curve_table(report: Report, workers_list: list[int], main_connections: int) -> list[str]:
    """p50 / p99 of the goal rounds against the number of connections, per server and worker count, and the
    most connections at which p99 stayed under the goal."""
    levels = sorted({m.connections for m in report.measured if m.connections} | {main_connections})
    if len(levels) < 2:
        return []
    head = " | ".join(f"{level} conn. p50 / p99 ms (req/s)" for level in levels)
    lines = [f"| round | server | workers | {head} | most connections with p99 < {P99_GOAL_MS:.0f} ms |",
             "| --- | --- | ---: | " + " | ".join("---:" for _ in levels) + " | ---: |"]
    for name in P99_ROUNDS:
        for server in (OURS, TIPG):
            for workers in workers_list:
                cells, within = [], None
                for level in levels:
                    m = report.get(name, server, workers, 0 if level == main_connections else level)
                    if m is None or m.result is None:
                        cells.append("–")
                        continue
                    cells.append(f"{m.result.p50_ms:.1f} / {m.result.p99_ms:.1f} ({m.result.rps:,.0f})")
                    if m.result.p99_ms < P99_GOAL_MS:
                        within = level
                if all(cell == "–" for cell in cells):
                    continue
                lines.append(f"| {name} | {server} | {workers} | {' | '.join(cells)} | "
                             f"{within if within is not None else 'none'} |")
    return lines


def _cpu_table(report: Report, workers: int) -> list[str]:
    lines = ["| round | server | database | server | wrk | others | machine (of 2.00) |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for name in dict.fromkeys(m.round for m in report.measured):
        for server in (OURS, TIPG):
            m = report.get(name, server, workers)
            if m is None or m.cpu is None:
                continue
            c = m.cpu
            others = max(0.0, c.machine - c.database - c.server - c.load_generator)
            lines.append(f"| {name} | {server} | {c.database:.2f} | {c.server:.2f} | {c.load_generator:.2f} | "
                         f"{others:.2f} | {c.machine:.2f} |")
    return lines


def markdown(report: Report, workers_list: list[int]) -> str:
    meta = report.meta
    before, after = (f"{v[0]:.1f}" for v in (meta["loadavg_before"], meta["loadavg_after"]))  # type: ignore[index]
    tables = "; ".join(f"`{t}` {s}" for t, s in meta["tables"].items())  # type: ignore[attr-defined]
    memory = "; ".join(f"{server}: " + ", ".join(f"{w} worker(s) {'/'.join(f'{mb:.0f}' for mb in mbs)} MB"
                                                  for w, mbs in per.items())
                       for server, per in report.memory_mb.items())
    startup = "; ".join(f"{server}: " + ", ".join(f"{w} worker(s) {s} s" for w, s in per.items())
                        for server, per in report.startup_s.items())
    out = [
        "## PostGIS",
        "",
        "Command: `.venv/bin/python bench/bench_postgis.py --write-docs` (`make bench-postgis`)",
        "",
        f"Run {meta['date']} on {meta['machine']}, {meta['cpus']} CPUs shared with other work (load average "
        f"{before} before, {after} after), Python {meta['python']}, PostgreSQL {meta['postgres']}, "
        f"PostGIS {meta['postgis']}, tipg {meta['tipg']}. A throwaway cluster (`tests/pgcluster.py`, "
        f"shared_buffers {CLUSTER_SETTINGS['shared_buffers']}, fsync off) on the same two cores as the servers "
        f"and the load generator. `bench/synthetic_layers.sql` generated {meta['points']:,} points and "
        f"{meta['parcels']:,} parcels in the `geo_industry` schema in {meta['generate_s']} s "
        f"(rows, GiST indexes, ANALYZE): {tables}.",
        "",
        f"Both servers run under uvicorn with the same options (uvloop, httptools, no access log, "
        f"{POOL_SIZE} database connections per worker) and serve the same tables and properties; "
        f"wrk (one thread, {meta['connections']} keep-alive connections) gives each server a 1 s warm-up, "
        f"then {meta['rounds']} runs of {meta['duration_s'] // meta['rounds']} s per round, alternating "  # type: ignore[operator]
        f"the servers; each run starts once the database runs no statement (the previous run's requests "
        f"have ended). Random rounds ask a new box, id or tile on every request (the same sequence on "
        f"both servers); every request carries `Cache-Control: no-cache`. Reported: mean req/s, median "
        f"p50, worst p99. Both return `numberMatched`: tipg runs a `count(*)` with every items request, "
        f"geo-industry keeps a layer's count (and a filter's) per data revision and counts a bbox in the "
        f"page's own scan.",
        "",
        f"geo-industry: {meta['ours']}.",
    ]
    for workers in workers_list:
        out += ["", f"### {workers} worker(s)", "", *_round_table(report, workers)]
    for workers in workers_list:
        out += ["", f"### Goals ({workers} worker(s), {meta['connections']} connections)", "",
                *_goals(report, workers)]
    curve = _curve_table(report, workers_list, int(meta["connections"]))  # type: ignore[call-overload]
    if curve:
        out += ["", "### Latency against concurrency (goal rounds)", "",
                f"The goal rounds again at fewer connections ({CURVE_RUNS} runs each, median p50, worst p99, mean "
                "req/s): how many requests in flight each server keeps under the goal on this machine.", "", *curve]
    scale = _scale_table(report, workers_list)
    if scale:
        out += ["", "### Scale-out", "", *scale]
    busiest = workers_list[-1]
    out += ["", f"### Where the CPU goes ({busiest} worker(s))", "",
            "Cores in use during the measured runs (CPU seconds per wall second, from `/proc`): the "
            "database (postmaster and every backend), the server's processes, wrk, and everything else "
            "on the machine (other users' jobs).", "", *_cpu_table(report, busiest)]
    if "layer_load" in meta:
        layer_load = meta["layer_load"]
        out += ["", f"Load time: `geo-industry db load` of the repository's `data/` took {meta['real_data_load_s']} s; "
                f"of {meta['points']:,} synthetic points from GeoJSON (the data folder of `bench/scale.py`, written "
                f"in {layer_load['geojson_written_s']} s) into a new database {layer_load['db_load_s']} s "  # type: ignore[index]
                f"(read, COPY, GiST index, ANALYZE; the load lifts the request budget's statement timeout), once for "
                f"all workers; the "
                f"embedded store reads such a layer into every worker's memory instead (\"Scale\" under \"API\")."]
    out += ["", f"Resident memory per worker after the runs: {memory}.", "",
            f"Start-up until the first answer: {startup}.", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=9.0, help="seconds per server and round, in all")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-ours", action="store_true", help="measure tipg alone")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="measure only the rounds whose name contains TEXT (repeatable); for A/B runs")
    parser.add_argument("--no-layer-load", action="store_true", help="skip timing the GeoJSON load of the points")
    parser.add_argument("--curve", type=int, nargs="*", default=list(CURVE_CONNECTIONS), metavar="N",
                        help="connection counts of the goal rounds' latency curve (none: skip it)")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    with_ours = ours_available() and not args.no_ours
    report = run(points=args.points, parcels=args.parcels, duration_s=args.duration, repeats=args.rounds,
                 workers_list=args.workers, connections=args.connections, with_ours=with_ours,
                 with_load=not args.no_layer_load, only=tuple(args.only), curve=tuple(args.curve))
    text = markdown(report, args.workers)
    print(text)
    if args.write_docs and not args.only:
        print(f"wrote {write_section('PostGIS', text)}")


if __name__ == "__main__":
    main()

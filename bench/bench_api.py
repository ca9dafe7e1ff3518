"""API load benchmark (not a test): our app vs pygeoapi vs a bare ASGI ceiling, plus scale.

    .venv/bin/python bench/run.py [--duration 5] [--connections 10] [--workers 1] [--write-docs]

Three servers under the same uvicorn options on 127.0.0.1 (see :mod:`servers`), loaded one at
a time per scenario, interleaved so that load from other users of the machine hits all alike;
a second process (wrk, or async httpx) drives each scenario for a bounded time after a short
warm-up. Our app is measured twice: as clients see it (repeated identical requests are served
from its response cache) and with ``Cache-Control: no-cache`` (every request runs the route).
Reported: req/s, p50, p99 per scenario; our/pygeoapi and our/bare throughput ratios.
Then the scale benchmark (:mod:`scale`). With --write-docs the results replace the "## API"
section of docs/benchmarks.md; raw wrk outputs go to bench/results/*.raw.
"""

from __future__ import annotations

import base64
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import load
import pygeoapi_setup
import scale
import servers
from docs_section import write_section

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
LAYERS = ["industrial_zones", "industrial_clusters", "mines", "processing_plants", "hydropower_plants",
          "border_gates", "transport"]
#: Headers kept in the bare ASGI app's replayed responses (content-length is recomputed).
REPLAYED_HEADERS = ("content-type", "etag", "cache-control", "content-crs", "vary")
HYDRO_BBOX = "103.9,21.9,104.9,22.6"


@dataclass(frozen=True)
class Scenario:
    """One request, as our API and as pygeoapi spell it (pygeoapi: None when not comparable)."""

    name: str
    ours: str
    pygeoapi: str | None
    items: bool  # counts toward the 5× pygeoapi target (items and bbox queries)


def scenarios(feature_id: str, collection_suffix: str) -> list[Scenario]:
    """The benchmark requests. ``collection_suffix`` selects pygeoapi's provider."""
    hydro, mines = "/collections/hydropower_plants", "/collections/mines"
    p_hydro = f"/collections/hydropower_plants{collection_suffix}"
    p_mines = f"/collections/mines{collection_suffix}"
    cql2 = quote("commodity = 'iron_ore'", safe="")
    return [
        Scenario("landing page", "/", "/?f=json", False),
        Scenario("items limit=10", f"{hydro}/items?limit=10", f"{p_hydro}/items?f=json&limit=10", True),
        Scenario("items limit=100", f"{hydro}/items?limit=100", f"{p_hydro}/items?f=json&limit=100", True),
        Scenario("items limit=1000", f"{hydro}/items?limit=1000", f"{p_hydro}/items?f=json&limit=1000", True),
        Scenario("bbox", f"{hydro}/items?bbox={HYDRO_BBOX}&limit=100",
                 f"{p_hydro}/items?f=json&bbox={HYDRO_BBOX}&limit=100", True),
        # pygeoapi's file providers have no CQL2: its equivalent is the Part 1 property query
        Scenario("CQL2 filter", f"{mines}/items?filter={cql2}&filter-lang=cql2-text&limit=100",
                 f"{p_mines}/items?f=json&commodity=iron_ore&limit=100", False),
        Scenario("single feature", f"{hydro}/items/{feature_id}", f"{p_hydro}/items/{feature_id}?f=json", False),
    ]


#: Servers (and our app without its response cache) in report order.
OURS, OURS_NO_CACHE, PYGEOAPI, BARE = "ours", "ours, no-cache", "pygeoapi", "bare ASGI"
NO_CACHE = {"Cache-Control": "no-cache"}


@dataclass
class Row:
    """Results of one scenario on each server (None: not run)."""

    scenario: str
    returned: int | None
    results: dict[str, load.LoadResult | None]
    pygeoapi_returned: int | None = None

    def ratio(self, server: str, other: str) -> float | None:
        """Throughput of ``server`` over ``other``'s."""
        mine, theirs = self.results.get(server), self.results.get(other)
        return mine.rps / theirs.rps if mine and theirs and theirs.rps else None


def _returned(response: httpx.Response) -> int | None:
    if response.status_code != 200 or "json" not in response.headers.get("content-type", ""):
        return None
    body = response.json()
    if body.get("type") == "FeatureCollection":
        return len(body["features"])
    return 1 if body.get("type") == "Feature" else None


def capture(url: str, paths: list[str], out: Path) -> dict[str, int | None]:
    """Save our responses for the bare app; return features returned per path."""
    table, returned = {}, {}
    with httpx.Client(base_url=url, timeout=30.0) as client:
        for path in paths:
            response = client.get(path)
            response.raise_for_status()
            headers = [(k, v) for k, v in response.headers.items() if k in REPLAYED_HEADERS]
            table[path] = (response.status_code, headers, base64.b64encode(response.content).decode())
            returned[path] = _returned(response)
    out.write_text(json.dumps(table))
    return returned


def _measure(url: str, *, duration_s: float, connections: int,
             headers: dict[str, str] | None = None) -> load.LoadResult:
    load.run(url, duration_s=max(1.0, duration_s / 5), connections=connections, headers=headers)  # warm-up
    return load.run(url, duration_s=duration_s, connections=connections, headers=headers)


def _pygeoapi_provider(server: servers.Server, feature_id: str, gpkg: bool, connections: int) -> tuple[str, dict]:
    """Keep pygeoapi's faster provider on items limit=100 (a short probe of each)."""
    probes: dict[str, float] = {}
    for suffix in ([""] if gpkg else []) + [pygeoapi_setup.GEOJSON_SUFFIX]:
        path = scenarios(feature_id, suffix)[2].pygeoapi
        response = httpx.get(server.url + str(path), timeout=30.0)
        if response.status_code == 200:
            probes[suffix] = _measure(server.url + str(path), duration_s=2.0, connections=connections).rps
    best = max(probes, key=probes.__getitem__)
    names = {"": "SQLite/GeoPackage", pygeoapi_setup.GEOJSON_SUFFIX: "GeoJSON"}
    return best, {names[s]: round(rps, 1) for s, rps in probes.items()} | {"chosen": names[best]}


def _start_pygeoapi(work: Path, workers: int) -> tuple[servers.Server, bool, str]:
    """pygeoapi on the same layers; returns the server, whether GeoPackage is served, its version."""
    python = pygeoapi_setup.ensure_venv()
    gpkg = pygeoapi_setup.gpkg_available(python)
    port = servers.free_port()
    config = pygeoapi_setup.write_config(work, url=f"http://127.0.0.1:{port}", geo_dir=DATA_DIR / "geo",
                                         layers=LAYERS, gpkg=gpkg)
    openapi = pygeoapi_setup.write_openapi(python, config)
    server = servers.start("pygeoapi", python, ["pygeoapi.starlette_app:APP"], workers=workers, work_dir=work,
                           env=pygeoapi_setup.environment(config, openapi), ready_path="/?f=json", port=port)
    return server, gpkg, pygeoapi_setup.version(python)


def _combine(rounds: list[load.LoadResult]) -> load.LoadResult:
    """Rounds of one server: mean throughput, median p50, worst p99, summed counts."""
    return load.LoadResult(
        requests=sum(r.requests for r in rounds), errors=sum(r.errors for r in rounds),
        rps=statistics.fmean(r.rps for r in rounds), p50_ms=statistics.median(r.p50_ms for r in rounds),
        p99_ms=max(r.p99_ms for r in rounds), raw="\n".join(r.raw for r in rounds),
    )


def _measure_scenario(scenario: Scenario, urls: dict[str, str], returned: int | None, *, duration_s: float,
                      connections: int, rounds: int) -> Row:
    """One scenario on every server: a warm-up each, then ``rounds`` rounds alternating the servers."""
    print(f"  {scenario.name} ...", flush=True)
    plan: dict[str, tuple[str, dict[str, str] | None]] = {
        OURS: (urls[OURS] + scenario.ours, None),
        OURS_NO_CACHE: (urls[OURS] + scenario.ours, NO_CACHE),
        BARE: (urls[BARE] + scenario.ours, None),
    }
    pygeoapi_returned = None
    if PYGEOAPI in urls and scenario.pygeoapi is not None:
        plan[PYGEOAPI] = (urls[PYGEOAPI] + scenario.pygeoapi, None)
        pygeoapi_returned = _returned(httpx.get(plan[PYGEOAPI][0], timeout=60.0))
    for url, headers in plan.values():
        load.run(url, duration_s=1, connections=connections, headers=headers)
    measured: dict[str, list[load.LoadResult]] = {name: [] for name in plan}
    for _ in range(rounds):
        for name, (url, headers) in plan.items():
            measured[name].append(load.run(url, duration_s=duration_s, connections=connections, headers=headers))
    results: dict[str, load.LoadResult | None] = {name: _combine(r) for name, r in measured.items()}
    return Row(scenario.name, returned, {OURS: None, OURS_NO_CACHE: None, PYGEOAPI: None, BARE: None} | results,
               pygeoapi_returned)


def _measure_servers(work: Path, *, duration_s: float, connections: int, workers: int, rounds: int,
                     with_pygeoapi: bool, meta: dict[str, object]) -> list[Row]:
    ours = servers.start_ours(DATA_DIR, workers=workers, work_dir=work)
    started = [ours]
    try:
        fid = httpx.get(ours.url + "/collections/hydropower_plants/items?limit=1").json()["features"][0]["id"]
        plan = scenarios(fid, "")
        returned = capture(ours.url, [s.ours for s in plan], work / "responses.json")
        bare = servers.start_bare(work / "responses.json", workers=workers, work_dir=work)
        started.append(bare)
        urls = {OURS: ours.url, BARE: bare.url}
        if with_pygeoapi:
            try:
                pyg, gpkg, meta["pygeoapi"] = _start_pygeoapi(work, workers)
            except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
                print(f"  pygeoapi not run: {exc}", flush=True)
                meta["pygeoapi"] = f"not run ({type(exc).__name__})"
            else:
                started.append(pyg)
                urls[PYGEOAPI] = pyg.url
                suffix, meta["pygeoapi_provider"] = _pygeoapi_provider(pyg, fid, gpkg, connections)
                plan = scenarios(fid, suffix)
        return [_measure_scenario(s, urls, returned[s.ours], duration_s=duration_s, connections=connections,
                                  rounds=rounds) for s in plan]
    finally:
        for server in started:
            servers.stop(server)


def run(*, duration_s: float, connections: int, workers: int, rounds: int = 3, with_pygeoapi: bool = True,
        with_scale: bool = True) -> dict[str, object]:
    """Run the whole API benchmark and return its results.

    Each server gets ``rounds`` runs of ``duration_s / rounds`` seconds (whole seconds, at least 1)
    per scenario, alternating with the other servers.
    """
    per_round = max(1, round(duration_s / rounds))
    RESULTS_DIR.mkdir(exist_ok=True)
    meta: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d %H:%M"), "machine": platform.machine(), "cpus": os.cpu_count(),
        "loadavg_before": os.getloadavg(), "python": platform.python_version(), "generator": load.generator(),
        "duration_s": per_round * rounds, "rounds": rounds, "connections": connections, "workers": workers,
    }
    with tempfile.TemporaryDirectory(prefix="geo-industry-bench-") as tmp:
        rows = _measure_servers(Path(tmp), duration_s=per_round, connections=connections, workers=workers,
                                rounds=rounds, with_pygeoapi=with_pygeoapi, meta=meta)
    meta["loadavg_after"] = os.getloadavg()
    results: dict[str, object] = {"meta": meta, "rows": rows}
    if with_scale:
        print("  scale: 100,000 and 1,000,000 synthetic points ...", flush=True)
        results["scale"], results["scale_load_s"] = scale.run()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"api-{stamp}.raw").write_text(json.dumps(results, default=_jsonable, indent=1))
    return results


def _jsonable(value: object) -> object:
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)  # type: ignore[call-overload]
    return str(value)


# --- report -----------------------------------------------------------------------------------

ITEMS_LIMIT_100 = "items limit=100"


def _fmt_ratio(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:.0%}" if percent else f"{value:.1f}×"


def _verdict(met: bool | None) -> str:
    return "not measured" if met is None else "**yes**" if met else "**no**"


def targets(rows: list[Row]) -> list[tuple[str, str, bool | None, str, bool | None]]:
    """Each target of the API benchmark: (target, with cache, met, without cache, met); None: not measured."""
    by_name = {row.scenario: row for row in rows}
    items_rows = [row for row in rows if row.scenario.startswith("items") or row.scenario == "bbox"]
    out: list[tuple[str, str, bool | None, str, bool | None]] = []
    measured: list[tuple[str, bool | None]] = []
    for server in (OURS, OURS_NO_CACHE):
        ratios = [row.ratio(server, PYGEOAPI) for row in items_rows]
        known = [r for r in ratios if r is not None]
        text = ", ".join(f"{row.scenario} {_fmt_ratio(r)}" for row, r in zip(items_rows, ratios, strict=True))
        measured.append((text, min(known) >= 5.0 if known and len(known) == len(ratios) else None))
    out.append(("≥ 5× pygeoapi's throughput on items and bbox queries", *measured[0], *measured[1]))
    limit100 = by_name[ITEMS_LIMIT_100]
    ceiling = [limit100.ratio(server, BARE) for server in (OURS, OURS_NO_CACHE)]
    out.append(("≥ 50 % of the bare-ASGI ceiling on items limit=100",
                _fmt_ratio(ceiling[0], True), ceiling[0] >= 0.5 if ceiling[0] is not None else None,
                _fmt_ratio(ceiling[1], True), ceiling[1] >= 0.5 if ceiling[1] is not None else None))
    p99 = [limit100.results[server] for server in (OURS, OURS_NO_CACHE)]
    out.append(("p99 < 50 ms at 10 concurrent clients on items limit=100",
                f"{p99[0].p99_ms:.1f} ms" if p99[0] else "–", p99[0].p99_ms < 50 if p99[0] else None,
                f"{p99[1].p99_ms:.1f} ms" if p99[1] else "–", p99[1].p99_ms < 50 if p99[1] else None))
    return out


def _throughput_table(rows: list[Row]) -> list[str]:
    lines = [
        f"| scenario | features | {OURS} | {OURS_NO_CACHE} | {PYGEOAPI} | {BARE} | ours / pygeoapi | "
        "ours no-cache / pygeoapi | ours / bare | ours no-cache / bare |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        returned = "–" if row.returned is None else str(row.returned)
        if row.pygeoapi_returned is not None and row.pygeoapi_returned != row.returned:
            returned += f" ({row.pygeoapi_returned})"
        cells = []
        for server in (OURS, OURS_NO_CACHE, PYGEOAPI, BARE):
            result = row.results.get(server)
            errors = f" ({result.errors} errors)" if result and result.errors else ""
            cells.append(f"{result.rps:,.0f}{errors}" if result else "–")
        ratios = [_fmt_ratio(row.ratio(OURS, PYGEOAPI)), _fmt_ratio(row.ratio(OURS_NO_CACHE, PYGEOAPI)),
                  _fmt_ratio(row.ratio(OURS, BARE), True), _fmt_ratio(row.ratio(OURS_NO_CACHE, BARE), True)]
        lines.append(f"| {row.scenario} | {returned} | {' | '.join(cells)} | {' | '.join(ratios)} |")
    return lines


def _latency_table(rows: list[Row]) -> list[str]:
    servers_ = (OURS, OURS_NO_CACHE, PYGEOAPI, BARE)
    lines = ["| scenario | " + " | ".join(servers_) + " |", "| --- |" + " ---: |" * len(servers_)]
    for row in rows:
        cells = [f"{r.p50_ms:.1f} / {r.p99_ms:.1f}" if (r := row.results.get(s)) else "–" for s in servers_]
        lines.append(f"| {row.scenario} | {' | '.join(cells)} |")
    return lines


def _scale_table(results: list[scale.ScaleResult], load_s: dict[int, float]) -> list[str]:
    lines = ["| layer size | bbox for ≈ | matched (median) | median ms | p95 ms | µs per matched feature |",
             "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        per = r.median_ms * 1000 / max(r.matched, 1)
        lines.append(f"| {r.layer_size:,} | {r.target:,} | {r.matched:,} | {r.median_ms:.2f} | {r.p95_ms:.2f} | "
                     f"{per:.1f} |")
    lines += ["", "Store load time (GeoJSON read, STRtree build): " +
              ", ".join(f"{size:,} points {seconds:.1f} s" for size, seconds in load_s.items()) + "."]
    return lines


def _setup_text(meta: dict[str, object]) -> list[str]:
    provider = meta.get("pygeoapi_provider") or {}
    loadavg = (meta["loadavg_before"][0], meta["loadavg_after"][0])  # type: ignore[index]
    return [
        f"Run {meta['date']} on {meta['machine']}, {meta['cpus']} CPUs, shared with other work (load average "
        f"{loadavg[0]:.1f} before, {loadavg[1]:.1f} after), Python {meta['python']}. The servers run side by "
        f"side under uvicorn (workers={meta['workers']}, uvloop, httptools, no access log) on 127.0.0.1 and "
        f"are loaded one at a time; the load generator ({meta['generator']}, one thread, {meta['connections']} "
        f"keep-alive connections, in a second process) gives each server a 1 s warm-up, then {meta['rounds']} "
        f"rounds of {int(meta['duration_s']) // int(meta['rounds'])} s per scenario ({meta['duration_s']} s in "  # type: ignore[call-overload]
        "all), alternating the servers within each round, so ratios compare runs made under the same "
        "background load. Reported: mean req/s over the rounds, median p50, worst p99. Absolute numbers move "
        "with the machine's other users; a cached or ceiling ratio above 100 % is that noise.", "",
        f"- **{OURS}**: `geo_industry.api.create_app` on `data/` (the 7 real layers), as clients see it: a "
        "repeated identical request is answered from the app's response cache.",
        f"- **{OURS_NO_CACHE}**: the same requests with `Cache-Control: no-cache`, so every request runs "
        "the route (query, serialisation, ETag) — what a client paging or panning with new URLs gets.",
        f"- **{PYGEOAPI}** {meta.get('pygeoapi', 'not run')}: its Starlette app in `bench/.venv-pygeoapi` with a "
        "generated config (`bench/pygeoapi_setup.py`); the faster provider on items limit=100 is kept (probe, "
        "req/s: " + (", ".join(f"{k} {v}" for k, v in provider.items()) if provider else "n/a") + "). "  # type: ignore[union-attr]
        "Its file providers have no CQL2, so its CQL2 row is the equivalent Part 1 query `commodity=iron_ore`.",
        f"- **{BARE}**: a minimal ASGI app replaying our captured response bytes and headers per URL: the "
        "ceiling for this server, client and machine.",
        "- `hydropower_plants` has 108 features, so `limit=1000` returns all 108; bbox "
        f"`{HYDRO_BBOX}` with limit 100; CQL2 `commodity = 'iron_ore'` on `mines`. A pygeoapi count that "
        "differs is in brackets (its GeoJSON provider keeps null-geometry features in bbox results).",
    ]


def markdown(results: dict[str, object], command: str) -> str:
    """The '## API' section of docs/benchmarks.md."""
    rows: list[Row] = results["rows"]  # type: ignore[assignment]
    lines = [
        "## API", "", f"Command: `{command}`", "",
        *_setup_text(results["meta"]), "",  # type: ignore[arg-type]
        "### Throughput (requests/s) and ratios", "", *_throughput_table(rows), "",
        "### Latency p50 / p99 (ms)", "", *_latency_table(rows), "",
        "### Targets", "",
        "| target | ours | met | ours, no-cache | met |", "| --- | --- | --- | --- | --- |",
        *[f"| {name} | {a} | {_verdict(ma)} | {b} | {_verdict(mb)} |" for name, a, ma, b, mb in targets(rows)],
        "",
    ]
    if "scale" in results:
        lines += [
            "### Scale: bbox queries on synthetic points", "",
            "`EmbeddedStore.query(layer, FeatureQuery(bbox=..., limit=2×target))` on points spread uniformly over "
            f"the province, {scale.REPEATS} random bboxes per row (`bench/scale.py`).", "",
            *_scale_table(results["scale"], results["scale_load_s"]),  # type: ignore[arg-type]
            "",
        ]
    return "\n".join(lines)


def write_docs(section: str) -> Path:
    """Replace (or add) the '## API' section of docs/benchmarks.md."""
    return write_section("API", section)

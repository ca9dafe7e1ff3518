"""API load benchmark (not a test): our app vs pygeoapi vs a bare ASGI ceiling, plus scale.

    .venv/bin/python bench/run.py [--duration 5] [--connections 10] [--workers 1] [--write-docs]

Three servers under the same uvicorn options on 127.0.0.1 (see :mod:`servers`), one at a time
per scenario, interleaved so that load from other users of the machine hits all three alike;
a second process (wrk, or async httpx) drives each scenario for a bounded time after a short
warm-up. Reported: req/s, p50, p99 per scenario; our/pygeoapi and our/bare throughput ratios.
Then the scale benchmark (:mod:`scale`). With --write-docs the results replace the "## API"
section of docs/benchmarks.md; raw wrk outputs go to bench/results/*.raw.
"""

from __future__ import annotations

import base64
import json
import os
import platform
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


@dataclass
class Row:
    """Results of one scenario on the three servers."""

    scenario: str
    returned: int | None
    ours: load.LoadResult
    pygeoapi: load.LoadResult | None
    bare: load.LoadResult
    pygeoapi_returned: int | None = None

    @property
    def vs_pygeoapi(self) -> float | None:
        """Our throughput over pygeoapi's."""
        return self.ours.rps / self.pygeoapi.rps if self.pygeoapi and self.pygeoapi.rps else None

    @property
    def vs_bare(self) -> float:
        """Our throughput as a fraction of the bare ASGI ceiling."""
        return self.ours.rps / self.bare.rps


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


def _measure(url: str, *, duration_s: float, connections: int) -> load.LoadResult:
    load.run(url, duration_s=max(1.0, duration_s / 5), connections=connections)  # warm-up
    return load.run(url, duration_s=duration_s, connections=connections)


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


def run(*, duration_s: float, connections: int, workers: int, with_pygeoapi: bool = True,
        with_scale: bool = True) -> dict[str, object]:
    """Run the whole API benchmark and return its results."""
    RESULTS_DIR.mkdir(exist_ok=True)
    meta: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d %H:%M"), "machine": platform.machine(), "cpus": os.cpu_count(),
        "loadavg_before": os.getloadavg(), "python": platform.python_version(), "generator": load.generator(),
        "duration_s": duration_s, "connections": connections, "workers": workers,
    }
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="geo-industry-bench-") as tmp:
        work = Path(tmp)
        ours = servers.start_ours(DATA_DIR, workers=workers, work_dir=work)
        started = [ours]
        try:
            fid = httpx.get(ours.url + "/collections/hydropower_plants/items?limit=1").json()["features"][0]["id"]
            plan = scenarios(fid, "")
            returned = capture(ours.url, [s.ours for s in plan], work / "responses.json")
            bare = servers.start_bare(work / "responses.json", workers=workers, work_dir=work)
            started.append(bare)
            pyg = None
            if with_pygeoapi:
                python = pygeoapi_setup.ensure_venv()
                gpkg = pygeoapi_setup.gpkg_available(python)
                port = servers.free_port()
                config = pygeoapi_setup.write_config(work, url=f"http://127.0.0.1:{port}",
                                                     geo_dir=DATA_DIR / "geo", layers=LAYERS, gpkg=gpkg)
                openapi = pygeoapi_setup.write_openapi(python, config)
                pyg = servers.start("pygeoapi", python, ["pygeoapi.starlette_app:APP"], workers=workers,
                                    work_dir=work, env=pygeoapi_setup.environment(config, openapi),
                                    ready_path="/?f=json", port=port)
                started.append(pyg)
                suffix, meta["pygeoapi_provider"] = _pygeoapi_provider(pyg, fid, gpkg, connections)
                meta["pygeoapi"] = pygeoapi_setup.version(python)
                plan = scenarios(fid, suffix)
            for scenario in plan:
                print(f"  {scenario.name} ...", flush=True)
                row = Row(scenario.name, returned[scenario.ours],
                          ours=_measure(ours.url + scenario.ours, duration_s=duration_s, connections=connections),
                          pygeoapi=None,
                          bare=_measure(bare.url + scenario.ours, duration_s=duration_s, connections=connections))
                if pyg is not None and scenario.pygeoapi is not None:
                    row.pygeoapi_returned = _returned(httpx.get(pyg.url + scenario.pygeoapi, timeout=60.0))
                    row.pygeoapi = _measure(pyg.url + scenario.pygeoapi, duration_s=duration_s,
                                            connections=connections)
                rows.append(row)
        finally:
            for server in started:
                servers.stop(server)
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


def targets(rows: list[Row]) -> list[tuple[str, str, bool | None]]:
    """Each target of issue 3 with the measured value and whether it is met (None: not measured)."""
    by_name = {row.scenario: row for row in rows}
    items_rows = [row for row in rows if row.scenario.startswith("items") or row.scenario == "bbox"]
    ratios = [row.vs_pygeoapi for row in items_rows]
    known = [r for r in ratios if r is not None]
    limit100 = by_name[ITEMS_LIMIT_100]
    return [
        ("≥ 5× pygeoapi throughput on items and bbox queries",
         "min " + (f"{min(known):.1f}×" if known else "n/a") + " (" +
         ", ".join(f"{row.scenario}: {r:.1f}×" for row, r in zip(items_rows, ratios, strict=True)
                   if r is not None) + ")",
         (min(known) >= 5.0) if known and len(known) == len(ratios) else None),
        ("≥ 50 % of the bare-ASGI ceiling on items limit=100", f"{limit100.vs_bare:.0%}", limit100.vs_bare >= 0.5),
        ("p99 < 50 ms at 10 concurrent clients, items limit=100", f"{limit100.ours.p99_ms:.1f} ms",
         limit100.ours.p99_ms < 50.0),
    ]


def _cell(result: load.LoadResult | None) -> str:
    if result is None:
        return "– | – | –"
    errors = f" ({result.errors} errors)" if result.errors else ""
    return f"{result.rps:,.0f}{errors} | {result.p50_ms:.1f} | {result.p99_ms:.1f}"


def _load_table(rows: list[Row]) -> list[str]:
    lines = [
        "| scenario | features | ours req/s | p50 ms | p99 ms | pygeoapi req/s | p50 ms | p99 ms | "
        "bare ASGI req/s | p50 ms | p99 ms | ours / pygeoapi | ours / bare |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        versus = f"{row.vs_pygeoapi:.1f}×" if row.vs_pygeoapi is not None else "–"
        returned = "–" if row.returned is None else str(row.returned)
        if row.pygeoapi_returned is not None and row.pygeoapi_returned != row.returned:
            returned += f" (pygeoapi: {row.pygeoapi_returned})"
        lines.append(f"| {row.scenario} | {returned} | {_cell(row.ours)} | {_cell(row.pygeoapi)} | "
                     f"{_cell(row.bare)} | {versus} | {row.vs_bare:.0%} |")
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


def markdown(results: dict[str, object], command: str) -> str:
    """The '## API' section of docs/benchmarks.md."""
    meta: dict[str, object] = results["meta"]  # type: ignore[assignment]
    rows: list[Row] = results["rows"]  # type: ignore[assignment]
    provider = meta.get("pygeoapi_provider", {})
    lines = [
        "## API", "",
        f"Command: `{command}` ({meta['date']}; {meta['machine']}, {meta['cpus']} CPUs, shared machine, "
        f"load average {meta['loadavg_before'][0]:.1f} before and {meta['loadavg_after'][0]:.1f} after; "  # type: ignore[index]
        f"Python {meta['python']}).", "",
        f"The three servers run side by side under uvicorn (workers={meta['workers']}, uvloop, httptools, no "
        f"access log) on 127.0.0.1 and are loaded one at a time; the load generator ({meta['generator']}, "
        f"one thread, {meta['connections']} keep-alive "
        f"connections) runs {meta['duration_s']:g} s per scenario after a short warm-up, in a second process. "
        "Scenarios are interleaved (ours, bare, pygeoapi per scenario), so ratios compare runs made under "
        "the same background load; absolute numbers move with the machine's other users.", "",
        "- **ours**: `geo_industry.api.create_app` on `data/` (the real 7 layers).",
        f"- **pygeoapi** {meta.get('pygeoapi', 'not run')}: its Starlette app in `bench/.venv-pygeoapi`, config "
        "generated by `bench/pygeoapi_setup.py`; provider probe on items limit=100 (req/s): "
        + (", ".join(f"{k} {v}" for k, v in provider.items()) if provider else "n/a") +  # type: ignore[union-attr]
        ". pygeoapi's file providers have no CQL2, so its CQL2 row is the equivalent Part 1 query "
        "`commodity=iron_ore`.",
        "- **bare ASGI**: a 20-line ASGI app replaying our captured response bytes and headers for each URL: "
        "the ceiling for this server, client and machine.",
        "- Layer `hydropower_plants` has 108 features, so `limit=1000` returns all 108; bbox "
        f"`{HYDRO_BBOX}` (limit 100); CQL2 `commodity = 'iron_ore'` on `mines`. Where pygeoapi returns another "
        "number of features, its count is in brackets (its GeoJSON provider keeps null-geometry features in bbox "
        "results).", "",
        *_load_table(rows), "",
        "### Targets", "",
        "| target | measured | met |", "| --- | --- | --- |",
        *[f"| {name} | {value} | {'yes' if met else 'no' if met is not None else 'not measured'} |"
          for name, value, met in targets(rows)],
        "",
    ]
    if "scale" in results:
        lines += [
            "### Scale: bbox queries on synthetic points", "",
            "`EmbeddedStore.query(layer, FeatureQuery(bbox=..., limit=2×target))` on uniformly spread points over "
            f"the province, {scale.REPEATS} random bboxes per row (`bench/scale.py`).", "",
            *_scale_table(results["scale"], results["scale_load_s"]),  # type: ignore[arg-type]
            "",
        ]
    return "\n".join(lines)


def write_docs(section: str) -> Path:
    """Replace (or add) the '## API' section of docs/benchmarks.md, leaving other sections alone."""
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    start = text.find("\n## API\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[: start + 1] + section + ("\n" + text[end + 1 :] if end >= 0 else "")
    path.write_text(text, encoding="utf-8")
    return path

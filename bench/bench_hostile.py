"""Mixed-load benchmark (not a test): do worst-case filters slow down everyone else?

    .venv/bin/python bench/bench_hostile.py [--duration 20] [--rounds 2] [--write-docs]

Our app runs under uvicorn (one worker) on a free 127.0.0.1 port with its default request
budget. Four "normal" clients (async httpx, one keep-alive connection each, in this process)
send items pages and bbox queries back to back with ``Cache-Control: no-cache``, so every
request runs the route. In each round they run once alone and once beside a fifth "hostile"
client that sends, back to back, the costliest filters the limits accept (128 distinct
accent- and case-folded LIKE patterns, 255 operators, ~19,500 characters; see
``tests/security/test_hostile_filters.py``). Reported: the normal clients' p50/p99 and req/s
in both conditions (all rounds pooled), the p99 ratio (goal ≤ 2×), the hostile requests'
count and statuses, and /health latency sampled during the hostile phase. With --write-docs
the results replace the "## Hostile load" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
from docs_section import write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.live_server import clean_env, free_port, wait_until_up  # noqa: E402
from tests.security.test_hostile_filters import worst_filter  # noqa: E402

NORMAL_URLS = [
    "/collections/mines/items?limit=10",
    "/collections/industrial_zones/items?limit=50",
    "/collections/hydropower_plants/items?bbox=103.9,21.9,104.9,22.6&limit=100",
    "/collections/mines/items?bbox=103.5,22.0,104.5,22.8&limit=20",
    "/collections/processing_plants/items?limit=20&offset=5",
    "/collections/statistics/items?limit=50",
]
HOSTILE_URLS = [
    ("/collections/statistics/items", worst_filter("entity")),
    ("/collections/mines/items", worst_filter("name_vi")),
]
NO_CACHE = {"Cache-Control": "no-cache"}


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "geo_industry.api:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env={**clean_env(), "PYTHONPATH": os.environ.get("PYTHONPATH", str(ROOT / "src"))},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(url, process)
    return process, url


async def normal_client(client: httpx.AsyncClient, offset: int, until: float, latencies: list[float],
                        errors: Counter[int]) -> None:
    index = offset
    while time.perf_counter() < until:
        started = time.perf_counter()
        response = await client.get(NORMAL_URLS[index % len(NORMAL_URLS)], headers=NO_CACHE)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            errors[response.status_code] += 1
        index += 1


async def hostile_client(client: httpx.AsyncClient, until: float, statuses: Counter[int],
                         durations: list[float]) -> None:
    index = 0
    while time.perf_counter() < until:
        path, text = HOSTILE_URLS[index % len(HOSTILE_URLS)]
        started = time.perf_counter()
        response = await client.get(path, params={"filter": text}, headers=NO_CACHE)
        durations.append(time.perf_counter() - started)
        statuses[response.status_code] += 1
        index += 1


async def health_sampler(client: httpx.AsyncClient, until: float, latencies: list[float]) -> None:
    while time.perf_counter() < until:
        started = time.perf_counter()
        await client.get("/health")
        latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.2)  # sampling rate of a probe, not a wait for state


async def phase(url: str, duration_s: float, hostile: bool) -> dict[str, object]:
    latencies: list[float] = []
    errors: Counter[int] = Counter()
    statuses: Counter[int] = Counter()
    hostile_s: list[float] = []
    health_ms: list[float] = []
    clients = [httpx.AsyncClient(base_url=url, timeout=60) for _ in range(6)]
    try:
        for client in clients[:4]:  # warm-up: one request each
            await client.get(NORMAL_URLS[0], headers=NO_CACHE)
        until = time.perf_counter() + duration_s
        tasks = [normal_client(clients[i], i, until, latencies, errors) for i in range(4)]
        if hostile:
            tasks += [hostile_client(clients[4], until, statuses, hostile_s),
                      health_sampler(clients[5], until, health_ms)]
        await asyncio.gather(*tasks)
    finally:
        for client in clients:
            await client.aclose()
    return {"latencies": latencies, "errors": errors, "statuses": statuses, "hostile_s": hostile_s,
            "health_ms": health_ms, "duration_s": duration_s}


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def run(duration_s: float, rounds: int) -> dict[str, object]:
    process, url = start_server()
    load_before = os.getloadavg()[0]
    try:
        alone: list[dict[str, object]] = []
        mixed: list[dict[str, object]] = []
        for _ in range(rounds):
            alone.append(asyncio.run(phase(url, duration_s, hostile=False)))
            mixed.append(asyncio.run(phase(url, duration_s, hostile=True)))
    finally:
        process.terminate()
        process.wait(timeout=30)
    return {"alone": alone, "mixed": mixed, "load_before": load_before, "load_after": os.getloadavg()[0],
            "duration_s": duration_s, "rounds": rounds}


def summary(phases: list[dict[str, object]]) -> dict[str, float]:
    latencies = [v for p in phases for v in p["latencies"]]  # type: ignore[attr-defined]
    seconds = sum(float(p["duration_s"]) for p in phases)  # type: ignore[arg-type]
    errors = sum(sum(p["errors"].values()) for p in phases)  # type: ignore[attr-defined]
    return {"requests": len(latencies), "rps": len(latencies) / seconds, "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99), "errors": errors}


def markdown(results: dict[str, object]) -> str:
    alone, mixed = summary(results["alone"]), summary(results["mixed"])  # type: ignore[arg-type]
    statuses: Counter[int] = Counter()
    hostile_s: list[float] = []
    health_ms: list[float] = []
    for p in results["mixed"]:  # type: ignore[attr-defined]
        statuses.update(p["statuses"])
        hostile_s += p["hostile_s"]
        health_ms += p["health_ms"]
    ratio = mixed["p99"] / alone["p99"]
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    lines = [
        "## Hostile load",
        "",
        f"Command: `.venv/bin/python bench/bench_hostile.py --duration {results['duration_s']:g} "
        f"--rounds {results['rounds']} --write-docs`",
        "",
        f"Run {when} UTC on {platform.machine()}, {os.cpu_count()} CPUs shared with other work (load average "
        f"{results['load_before']:.1f} before, {results['load_after']:.1f} after), Python "
        f"{platform.python_version()}. One uvicorn worker on 127.0.0.1, default request budget; 4 normal "
        "clients (items pages and bbox queries on mines, zones, hydropower, plants and statistics, "
        "`Cache-Control: no-cache`) run alone and beside 1 hostile client sending the costliest filters "
        "the limits accept, back to back (128 distinct `ACCENTI(CASEI(…)) LIKE '%_%_…'` terms OR-ed, "
        f"255 operators), {results['rounds']} rounds of {results['duration_s']:g} s per condition, pooled.",
        "",
        "| normal clients | requests | req/s | p50 (ms) | p99 (ms) | non-200 |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| alone | {alone['requests']} | {alone['rps']:.1f} | {alone['p50']:.1f} | {alone['p99']:.1f} | "
        f"{alone['errors']} |",
        f"| beside the hostile client | {mixed['requests']} | {mixed['rps']:.1f} | {mixed['p50']:.1f} | "
        f"{mixed['p99']:.1f} | {mixed['errors']} |",
        "",
        f"p99 ratio (beside / alone): **{ratio:.2f}×** (goal ≤ 2×: {'met' if ratio <= 2 else 'NOT met'}).",
        "",
        f"Hostile requests: {len(hostile_s)}, statuses "
        + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        + (f"; each took median {statistics.median(hostile_s):.2f} s, max {max(hostile_s):.2f} s" if hostile_s
           else "")
        + (f". `/health` during the hostile phase ({len(health_ms)} samples): median "
           f"{statistics.median(health_ms):.1f} ms, max {max(health_ms):.1f} ms (target < 100 ms: "
           f"{_met(statistics.median(health_ms) < 100)} for the median, {_met(max(health_ms) < 100)} for the max)."
           if health_ms else "."),
        "",
        f"The normal clients keep {mixed['rps'] / alone['rps']:.0%} of their throughput: the hostile client "
        "takes its share of the one process's CPU. The limits bound what each request costs, not how many "
        "a client sends; a per-client rate limit belongs in the proxy (docs/security.md).",
        "",
    ]
    return "\n".join(lines)


def _met(ok: bool) -> str:
    return "met" if ok else "not met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--rounds", type=int, default=2, help="alone/mixed pairs")
    parser.add_argument("--write-docs", action="store_true", help="replace the section in docs/benchmarks.md")
    args = parser.parse_args()
    section = markdown(run(args.duration, args.rounds))
    print(section)
    if args.write_docs:
        print("written:", write_section("Hostile load", section))


if __name__ == "__main__":
    main()

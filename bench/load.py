"""Load generation from a second process on loopback: ``wrk`` when installed, else async httpx.

Both are bounded: by time (``duration_s``) and, for the httpx fallback, also by a request count.
One connection pool of ``connections`` keep-alive connections; wrk runs with one thread so the
server keeps the machine's other core.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

RANDOM_SCRIPT = Path(__file__).resolve().parent / "random_requests.lua"

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass(frozen=True)
class LoadResult:
    """Throughput and latency of one run."""

    requests: int
    errors: int  # non-2xx/3xx responses and socket errors
    rps: float
    p50_ms: float
    p99_ms: float
    raw: str = ""


@dataclass(frozen=True)
class RandomPaths:
    """A path template whose placeholders get new values for every request (``random_requests.lua``).

    ``{bbox}``: a square of ``side`` degrees inside ``extent`` (lon/lat); ``{tile}``:
    ``zoom/row/col`` of the WebMercatorQuad tile under a random point of ``extent`` (``{zxy}``:
    such a tile as ``zoom/col/row``, the order tipg's routes take); ``{id}``:
    ``id_prefix`` followed by a random integer below ``id_count``. ``seed`` fixes the sequence, so
    two servers given the same seed get the same requests.
    """

    template: str
    extent: tuple[float, float, float, float]
    side: float = 0.0
    zoom: int = 12
    id_count: int = 1
    id_prefix: str = ""
    seed: int = 1

    def wrk_args(self) -> list[str]:
        """The arguments ``random_requests.lua`` reads in ``init``."""
        return [self.template, *(repr(v) for v in self.extent), repr(self.side), str(self.zoom),
                str(self.id_count), self.id_prefix, str(self.seed)]

    def paths(self) -> Iterator[str]:
        """The same kind of paths in Python (for the httpx fallback)."""
        rng = random.Random(self.seed)
        west, south, east, north = self.extent
        while True:
            path = self.template
            if "{bbox}" in path:
                x0, y0 = rng.uniform(west, east - self.side), rng.uniform(south, north - self.side)
                path = path.replace("{bbox}", f"{x0:.6f},{y0:.6f},{x0 + self.side:.6f},{y0 + self.side:.6f}")
            for placeholder in ("{tile}", "{zxy}"):
                if placeholder in path:
                    row, col = _row_col(rng.uniform(west, east), rng.uniform(south, north), self.zoom)
                    address = (row, col) if placeholder == "{tile}" else (col, row)
                    path = path.replace(placeholder, f"{self.zoom}/{address[0]}/{address[1]}")
            if "{id}" in path:
                path = path.replace("{id}", f"{self.id_prefix}{rng.randrange(self.id_count)}")
            yield path


def _row_col(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    """Row and column of the WebMercatorQuad tile holding ``lon``/``lat``."""
    n, phi = 2**zoom, math.radians(lat)
    col = math.floor((lon + 180) / 360 * n)
    row = math.floor((1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi) / 2 * n)
    return row, col


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * _UNITS[unit]


def _parse_wrk(out: str) -> LoadResult:
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return LoadResult(requests, errors, rps, p50, p99, out)


def _wrk(url: str, *, duration_s: float, connections: int, headers: dict[str, str],
         random_paths: RandomPaths | None = None) -> LoadResult:
    options = [f"--header={name}: {value}" for name, value in headers.items()]
    if random_paths is not None:
        options += ["--script", str(RANDOM_SCRIPT)]
    seconds = max(1, round(duration_s))  # wrk takes whole seconds
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s", *options, url]
    if random_paths is not None:
        command += ["--", *random_paths.wrk_args()]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=duration_s + 60).stdout
    return _parse_wrk(out)


async def _httpx(url: str, *, duration_s: float, connections: int, max_requests: int,
                 headers: dict[str, str], random_paths: RandomPaths | None = None) -> LoadResult:
    urls = (url + path for path in random_paths.paths()) if random_paths is not None else itertools.repeat(url)
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + duration_s
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=10.0, trust_env=False, headers=headers) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline and len(latencies) < max_requests:
                start = time.perf_counter()
                try:
                    response = await client.get(next(urls))
                    await response.aread()
                    errors += response.status_code >= 400
                except httpx.HTTPError:
                    errors += 1
                latencies.append((time.perf_counter() - start) * 1e3)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return LoadResult(len(latencies), errors, len(latencies) / elapsed, quantiles[49], quantiles[98])


def generator() -> str:
    """Which load generator runs: ``wrk`` or ``httpx``."""
    return "wrk" if shutil.which("wrk") else "httpx"


def run(url: str, *, duration_s: float, connections: int, max_requests: int = 200_000,
        headers: dict[str, str] | None = None, random_paths: RandomPaths | None = None) -> LoadResult:
    """Drive ``url`` with ``connections`` concurrent keep-alive connections for ``duration_s``.

    With ``random_paths``, ``url`` is the server's base URL and every request asks a new path.
    """
    if generator() == "wrk":
        return _wrk(url, duration_s=duration_s, connections=connections, headers=headers or {},
                    random_paths=random_paths)
    return asyncio.run(_httpx(url, duration_s=duration_s, connections=connections, max_requests=max_requests,
                              headers=headers or {}, random_paths=random_paths))

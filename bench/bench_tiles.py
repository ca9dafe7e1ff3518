"""Vector tile benchmark (not a test): z12 tiles on the embedded data and on synthetic points.

    .venv/bin/python bench/bench_tiles.py [--sizes 100000 1000000] [--write-docs]

Embedded data: every WebMercatorQuad z12 tile that holds a feature of a layer, requested
through the real app (``TestClient``, ``Cache-Control: no-cache`` so the response cache never
answers), and the core alone (:func:`geo_industry.vector_tiles.layer_tile`). Synthetic: the
uniform points of ``bench/scale.py`` over the province, random z12 and z10 tiles inside it,
through the core. With --write-docs the results replace the "## Vector tiles" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import morecantile
import numpy as np
from docs_section import write_section
from fastapi.testclient import TestClient
from scale import EXTENT, LAYER, write_data_dir

from geo_industry.api import create_app
from geo_industry.api.state import state_of
from geo_industry.settings import Settings, default_data_dir
from geo_industry.store import EmbeddedStore
from geo_industry.vector_tiles import TileAddress, layer_tile

WEB_MERCATOR = morecantile.tms.get("WebMercatorQuad")
Row = tuple[str, int, int, float, float, float]  # label, zoom, tiles, median ms, p95 ms, median kB


def _summary(label: str, zoom: int, timings: list[float], sizes: list[int]) -> Row:
    p95 = statistics.quantiles(timings, n=20)[18] if len(timings) > 1 else timings[0]
    return label, zoom, len(timings), statistics.median(timings), p95, statistics.median(sizes) / 1e3


def _feature_tiles(store: EmbeddedStore, layer_id: str, zoom: int) -> list[morecantile.Tile]:
    frame = store.frame(layer_id)
    points = frame[frame.geometry.notna()].geometry.representative_point()
    return sorted({WEB_MERCATOR.tile(p.x, p.y, zoom) for p in points})


def embedded_rows(zoom: int = 12) -> list[Row]:
    """Per layer: z12 tiles holding its features, over HTTP and in the core."""
    os.environ.setdefault("GEO_INDUSTRY_TRUSTED_HOSTS", "testserver")
    rows: list[Row] = []
    with TestClient(create_app(Settings(data_dir=default_data_dir(), _env_file=None))) as client:  # type: ignore[call-arg]
        store = state_of(client.app).opened()
        http_times, core_times, sizes = [], [], []
        for meta in store.collections():
            for tile in _feature_tiles(store, meta.id, zoom):
                url = f"/collections/{meta.id}/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}"
                start = time.perf_counter()
                response = client.get(url, headers={"Cache-Control": "no-cache", "Accept-Encoding": "identity"})
                http_times.append((time.perf_counter() - start) * 1e3)
                sizes.append(len(response.content))
                start = time.perf_counter()
                layer_tile(store, meta.id, TileAddress("WebMercatorQuad", tile.z, tile.y, tile.x))
                core_times.append((time.perf_counter() - start) * 1e3)
        rows.append(_summary("embedded data, HTTP (app, no response cache)", zoom, http_times, sizes))
        rows.append(_summary("embedded data, core (select + encode)", zoom, core_times, sizes))
    return rows


def synthetic_rows(size: int, zooms: tuple[int, ...] = (12, 10), repeats: int = 25) -> tuple[list[Row], float]:
    """Random tiles inside the province on ``size`` uniform points; also the store's load time (s)."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="geo-industry-tiles-") as tmp:
        data_dir = write_data_dir(Path(tmp), size)
        start = time.perf_counter()
        store = EmbeddedStore.from_directory(data_dir)
        load_s = time.perf_counter() - start
        rng = np.random.default_rng(11)
        for zoom in zooms:
            timings, sizes = [], []
            for _ in range(repeats):
                tile = WEB_MERCATOR.tile(rng.uniform(EXTENT[0], EXTENT[2]), rng.uniform(EXTENT[1], EXTENT[3]), zoom)
                start = time.perf_counter()
                body = layer_tile(store, LAYER, TileAddress("WebMercatorQuad", zoom, tile.y, tile.x)).body
                timings.append((time.perf_counter() - start) * 1e3)
                sizes.append(len(body))
            rows.append(_summary(f"{size:,} synthetic points, core", zoom, timings, sizes))
    return rows, load_s


def markdown(rows: list[Row], loads: dict[int, float], command: str) -> str:
    """The "## Vector tiles" section."""
    lines = [
        "## Vector tiles", "",
        f"Command: `{command}` ({platform.processor() or platform.machine()}, {os.cpu_count()} CPUs shared with "
        "other work). Mapbox Vector Tiles of `/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}`: select through "
        "the STRtree, project, clip (64-unit buffer), simplify, encode with mapbox-vector-tile. Embedded rows: every "
        "z12 tile that holds a feature of a layer; synthetic rows: random tiles inside the province "
        "(`bench/bench_tiles.py`).", "",
        "| data | zoom | tiles | median ms | p95 ms | median kB |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *(f"| {label} | {zoom} | {n} | {median:.1f} | {p95:.1f} | {kb:.1f} |"
          for label, zoom, n, median, p95, kb in rows),
        "",
    ]
    if loads:
        lines += ["Synthetic store load (GeoJSON read, STRtree build): "
                  + ", ".join(f"{size:,} points {s:.1f} s" for size, s in loads.items()) + ".", ""]
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and print (or write) the markdown section."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    rows = embedded_rows()
    loads: dict[int, float] = {}
    for size in args.sizes:
        synthetic, loads[size] = synthetic_rows(size)
        rows += synthetic
    sizes = " ".join(str(s) for s in args.sizes)
    section = markdown(rows, loads, f".venv/bin/python bench/bench_tiles.py --sizes {sizes} --write-docs")
    print(section)
    if args.write_docs:
        write_section("Vector tiles", section)


if __name__ == "__main__":
    main()

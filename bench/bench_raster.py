"""Raster benchmark (not a test): full build on a synthetic 30 m DEM, tiles, zonal statistics.

    .venv/bin/python bench/bench_raster.py [--write-docs]

A synthetic 1-arc-second (≈30 m) DEM is generated over the pre-2025 Lào Cai province
(≈3,980 × 3,560 cells, EPSG:4326, int16) in a temporary folder. Targets are the embedded
layers of data/geo; water is ../shared/fixtures/laocai_rivers.geojson. With --write-docs the
results replace the "## Rasters" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import morecantile
import numpy as np
import pandas as pd
import rasterio
from affine import Affine
from docs_section import write_section
from shapely.geometry import shape

from geo_industry.raster import (
    ProductReader,
    assess_zones,
    build_rasters,
    load_layers,
    target_layers,
    zonal_statistics,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / ".." / "shared" / "fixtures"
SECOND = 1 / 3600


def synthetic_dem(path: Path, bounds: tuple[float, float, float, float]) -> tuple[int, int]:
    """Ridges and valleys (100–3000 m) on a 1″ lon/lat grid covering ``bounds``."""
    left, bottom, right, top = bounds
    width, height = round((right - left) / SECOND), round((top - bottom) / SECOND)
    rng = np.random.default_rng(42)
    lon = np.linspace(0, 1, width, dtype="float32")[None, :]
    lat = np.linspace(0, 1, height, dtype="float32")[:, None]
    z = 1200 + 900 * np.sin(7 * lon + 3 * lat) * np.cos(5 * lat - 2 * lon)
    z = z + 300 * np.sin(40 * lon) * np.sin(37 * lat) + rng.normal(0, 5, (height, width))
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "int16",
               "crs": "EPSG:4326", "transform": Affine(SECOND, 0, left, 0, -SECOND, top),
               "nodata": -32768, "tiled": True, "compress": "deflate"}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.clip(z, 100, 3000).astype("int16"), 1)
    return width, height


def tile_timings(path: Path, n: int = 300, zoom: int = 12) -> list[float]:
    """Milliseconds per warm 256-px WebMercatorQuad tile inside the product's bounds."""
    tms = morecantile.tms.get("WebMercatorQuad")
    with ProductReader(path) as reader:
        with rasterio.open(path) as src:
            from rasterio.warp import transform_bounds

            w, s, e, north = transform_bounds(src.crs, "EPSG:4326", *src.bounds)
        tiles = list(tms.tiles(w + 0.1, s + 0.1, e - 0.1, north - 0.1, [zoom]))
        rng = np.random.default_rng(0)
        picks = [tiles[i] for i in rng.integers(0, len(tiles), n)]
        for tile in picks[:20]:  # warm-up
            reader.tile(x=tile.x, y=tile.y, z=tile.z)
        times = []
        for tile in picks:
            start = time.perf_counter()
            reader.tile(x=tile.x, y=tile.y, z=tile.z)
            times.append((time.perf_counter() - start) * 1000)
    return times


def run() -> dict[str, object]:
    """Run every measurement and return the numbers."""
    with open(FIXTURES / "laocai_admin1.geojson", encoding="utf-8") as handle:
        province = shape(json.load(handle)["features"][0]["geometry"])
    layers = load_layers(ROOT / "data" / "geo")
    targets = target_layers(layers)
    rivers = gpd.read_file(FIXTURES / "laocai_rivers.geojson")
    zones = pd.concat([layers["industrial_zones"], layers["industrial_clusters"]],
                      ignore_index=True)
    zones = gpd.GeoDataFrame(zones, geometry="geometry", crs=layers["industrial_zones"].crs)
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        dem = Path(tmp) / "dem30.tif"
        results["dem_cells"] = synthetic_dem(dem, tuple(province.bounds))
        out = Path(tmp) / "rasters"
        steps: list[tuple[str, float]] = []
        results["load_before"] = os.getloadavg()[0]
        start, cpu = time.perf_counter(), time.process_time()
        built = build_rasters(out_dir=out, area_of_interest=province, dem_path=dem,
                              targets=targets, water=rivers,
                              progress=lambda s, d, t: steps.append((s, time.perf_counter())))
        results["build_s"] = time.perf_counter() - start
        results["build_cpu_s"] = time.process_time() - cpu
        marks = [start] + [t for _, t in steps]
        results["steps"] = [(name, marks[i + 1] - marks[i]) for i, (name, _) in enumerate(steps)]
        info = built.manifest.products[0]
        results["grid"] = (info.width, info.height, info.resolution_m)
        results["products"] = [p.id for p in built.manifest.products]
        results["skipped"] = built.manifest.skipped
        start = time.perf_counter()
        again = build_rasters(out_dir=out, area_of_interest=province, dem_path=dem,
                              targets=targets, water=rivers)
        results["rebuild_check_s"] = time.perf_counter() - start
        assert not again.rebuilt
        for product in ("suitability", "hillshade"):
            times = np.array(tile_timings(built.path(product)))
            results[f"tile_{product}_ms"] = (float(np.median(times)), float(np.percentile(times, 95)),
                                             float(np.percentile(times, 99)), len(times))
        start = time.perf_counter()
        stats = zonal_statistics(built.path("slope"), zones=zones)
        results["zonal_s"] = time.perf_counter() - start
        results["zonal_zones"] = len(stats)
        start = time.perf_counter()
        assess_zones(zones=zones, targets=targets, slope_path=built.path("slope"))
        results["assess_s"] = time.perf_counter() - start
    return results


def markdown(results: dict[str, object]) -> str:
    """The '## Rasters' section of docs/benchmarks.md."""
    w, h = results["dem_cells"]  # type: ignore[misc]
    gw, gh, res = results["grid"]  # type: ignore[misc]
    lines = [
        "## Rasters", "",
        "Command: `.venv/bin/python bench/bench_raster.py --write-docs` "
        f"({platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}).", "",
        f"Input: synthetic 1″ (≈30 m) int16 DEM in EPSG:4326 over pre-2025 Lào Cai, "
        f"{w} × {h} cells; products on a {gw} × {gh} grid of {res:.2f} m in EPSG:9208; targets "
        "from data/geo, water from the fixture rivers.", "",
        "| measurement | result | target |", "| --- | --- | --- |",
        f"| full build ({len(results['products'])} COGs: terrain, slope, hillshade, distances, "  # type: ignore[arg-type]
        f"suitability; manifest) | {results['build_s']:.1f} s wall, "
        f"{results['build_cpu_s']:.1f} s CPU (this process) | < 60 s |",
        f"| rebuild check when inputs are unchanged | {results['rebuild_check_s']:.2f} s | |",
    ]
    for product in ("suitability", "hillshade"):
        median, p95, p99, n = results[f"tile_{product}_ms"]  # type: ignore[misc]
        lines.append(f"| warm 256-px WebMercatorQuad tile z12, {product} ({n} tiles) | "
                     f"median {median:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms | "
                     "< 50 ms, p99 < 100 ms |")
    lines += [
        f"| zonal statistics of slope over all {results['zonal_zones']} zones | "
        f"{results['zonal_s'] * 1000:.0f} ms | < 1 s |",
        f"| zone assessment (distances, mean slope, score) of all zones | "
        f"{results['assess_s'] * 1000:.0f} ms | |", "",
        f"1-minute load average when the build started: {results['load_before']:.1f} "
        "(other benchmarks share the 2 CPUs; wall times grow with it).", "",
        "Build steps (wall s): " + ", ".join(
            f"{name} {secs:.1f}" for name, secs in results["steps"]) + ".", "",  # type: ignore[attr-defined]
        f"Criteria skipped for lack of target geometry: "
        f"{', '.join(results['skipped']) or 'none'}.", "",  # type: ignore[arg-type]
    ]
    return "\n".join(lines)


def write_docs(section: str) -> Path:
    """Replace (or add) the '## Rasters' section of docs/benchmarks.md."""
    return write_section("Rasters", section)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    section = markdown(run())
    print(section)
    if args.write_docs:
        print("written to", write_docs(section))

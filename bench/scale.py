"""Scale benchmark: bbox queries on 100,000 and 1,000,000 synthetic points through the core store.

A temporary data dir gets a generated catalog entry (one Point layer), the layer as GeoJSON
and empty statistics; ``EmbeddedStore.from_directory`` loads it like the real data. Query
time should follow the number of features a bbox returns, not the number in the layer.
"""

from __future__ import annotations

import math
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import orjson
import pyogrio
import shapely

from geo_industry.models import FeatureQuery
from geo_industry.store import EmbeddedStore

LAYER = "synthetic_points"
#: Lào Cai province (merged, 2025), lon/lat.
EXTENT = (103.52, 21.40, 105.10, 22.86)
RESULT_SIZES = (10, 1_000, 10_000)
REPEATS = 25


@dataclass(frozen=True)
class ScaleResult:
    """Timings of one bbox size on one layer size."""

    layer_size: int
    target: int
    matched: int  # median over the repeated bboxes
    median_ms: float
    p95_ms: float


def _catalog_entry() -> dict[str, object]:
    return {
        "id": LAYER, "title": {"vi": "Điểm tổng hợp", "en": "Synthetic points"},
        "description": {"vi": "Dữ liệu thử hiệu năng", "en": "Benchmark data"},
        "geometry_type": "Point", "crs": "OGC:CRS84", "licence": "CC0-1.0", "attribution": "bench",
        "fields": [{"name": "id", "type": "string"}, {"name": "status", "type": "string"},
                   {"name": "capacity_value", "type": "number"}],
    }


def write_data_dir(root: Path, size: int, seed: int = 42) -> Path:
    """A data dir with one synthetic Point layer of ``size`` uniformly spread features."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(EXTENT[0], EXTENT[2], size)
    y = rng.uniform(EXTENT[1], EXTENT[3], size)
    frame = gpd.GeoDataFrame(
        {"id": [f"p{i}" for i in range(size)],
         "status": rng.choice(["operating", "planned"], size),
         "capacity_value": rng.uniform(0, 100, size).round(2)},
        geometry=shapely.points(x, y), crs="EPSG:4326",
    )
    geo = root / "geo"
    geo.mkdir(parents=True)
    (geo / "catalog.json").write_bytes(orjson.dumps({"layers": [_catalog_entry()]}))
    pyogrio.write_dataframe(frame, geo / f"{LAYER}.geojson", driver="GeoJSON")
    header = "indicator,entity,year,period,value,unit,basis,price_basis,source,note\n"
    (root / "statistics.csv").write_text(header)
    (root / "entities.csv").write_text("entity,entity_type,name_vi,name_en,admin_code,admin_vintage,note\n")
    return root


def _bbox_for(target: int, size: int, rng: np.random.Generator) -> tuple[float, float, float, float]:
    """A square bbox expected to hold ``target`` of ``size`` uniform points."""
    width, height = EXTENT[2] - EXTENT[0], EXTENT[3] - EXTENT[1]
    side_x = width * math.sqrt(target / size)
    side_y = height * math.sqrt(target / size)
    x0 = rng.uniform(EXTENT[0], EXTENT[2] - side_x)
    y0 = rng.uniform(EXTENT[1], EXTENT[3] - side_y)
    return (x0, y0, x0 + side_x, y0 + side_y)


def time_queries(store: EmbeddedStore, size: int, seed: int = 7) -> list[ScaleResult]:
    """Median and p95 of ``store.query`` for bboxes returning about 10, 1,000 and 10,000 features."""
    rng = np.random.default_rng(seed)
    results = []
    for target in RESULT_SIZES:
        store.query(LAYER, FeatureQuery(bbox=_bbox_for(target, size, rng), limit=2 * target))  # warm
        timings, matched = [], []
        for _ in range(REPEATS):
            query = FeatureQuery(bbox=_bbox_for(target, size, rng), limit=2 * target)
            start = time.perf_counter()
            page = store.query(LAYER, query)
            timings.append((time.perf_counter() - start) * 1e3)
            matched.append(page.number_matched)
        quantiles = statistics.quantiles(timings, n=20)
        results.append(ScaleResult(size, target, int(statistics.median(matched)),
                                   statistics.median(timings), quantiles[18]))
    return results


def run(sizes: tuple[int, ...] = (100_000, 1_000_000)) -> tuple[list[ScaleResult], dict[int, float]]:
    """Build each synthetic layer, time the queries; also return load times in seconds."""
    results: list[ScaleResult] = []
    load_s: dict[int, float] = {}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="geo-industry-scale-") as tmp:
            data_dir = write_data_dir(Path(tmp), size)
            start = time.perf_counter()
            store = EmbeddedStore.from_directory(data_dir)
            load_s[size] = time.perf_counter() - start
            results.extend(time_queries(store, size))
            del store
    return results, load_s

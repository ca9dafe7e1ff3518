"""Build manifest: the hashes of a build's inputs and its parameters, kept beside the products.

A build is skipped when the manifest in the output folder has the same inputs and parameters
and every product it lists is still there.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import geopandas as gpd
import shapely
from pydantic import BaseModel, Field
from shapely.geometry.base import BaseGeometry

from geo_industry.raster.products import Legend

__all__ = [
    "MANIFEST_NAME",
    "ProductInfo",
    "BuildManifest",
    "hash_file",
    "hash_frame",
    "hash_geometry",
    "read_manifest",
    "write_manifest",
]

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


class ProductInfo(BaseModel):
    """One built product: what the /rasters listing shows."""

    id: str
    kind: str
    title: str
    units: str
    file: str = Field(description="file name inside the build folder")
    crs: str
    bounds: tuple[float, float, float, float] = Field(description="in the product CRS")
    bounds_lonlat: tuple[float, float, float, float] = Field(description="WGS 84 lon/lat")
    resolution_m: float
    width: int
    height: int
    value_min: float | None
    value_max: float | None
    legend: Legend


class BuildManifest(BaseModel):
    """What a build was made from and what it produced."""

    version: int = MANIFEST_VERSION
    inputs: dict[str, str] = Field(description="input name → sha256")
    parameters: dict[str, object]
    products: list[ProductInfo]
    skipped: dict[str, str] = Field(default_factory=dict, description="criterion → reason")
    weights: dict[str, float] = Field(default_factory=dict, description="suitability weights used")


def hash_file(path: str | Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def hash_geometry(geometry: BaseGeometry, *, crs: object = "EPSG:4326") -> str:
    """sha256 of a geometry's WKB and its CRS."""
    digest = hashlib.sha256(shapely.to_wkb(geometry, hex=False))
    digest.update(str(crs).encode())
    return digest.hexdigest()


def hash_frame(frame: gpd.GeoDataFrame | None) -> str:
    """sha256 of a GeoDataFrame's geometries (WKB, nulls included) and CRS; 'none' for None."""
    if frame is None:
        return "none"
    digest = hashlib.sha256(str(frame.crs).encode())
    for wkb in shapely.to_wkb(frame.geometry.values, hex=False):
        digest.update(wkb if wkb is not None else b"null")
    return digest.hexdigest()


def read_manifest(out_dir: str | Path) -> BuildManifest | None:
    """The manifest of a build folder, or None when absent or unreadable."""
    path = Path(out_dir) / MANIFEST_NAME
    try:
        return BuildManifest.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_manifest(out_dir: str | Path, manifest: BuildManifest) -> Path:
    """Write the manifest atomically (after the products)."""
    path = Path(out_dir) / MANIFEST_NAME
    tmp = path.with_suffix(".json.part")
    tmp.write_text(json.dumps(manifest.model_dump(mode="json"), indent=2, ensure_ascii=False),
                   encoding="utf-8")
    tmp.replace(path)
    return path

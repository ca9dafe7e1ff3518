"""Cloud-Optimized GeoTIFF output through rio-cogeo."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from rasterio.io import MemoryFile
from rio_cogeo.cogeo import RIOResampling, cog_translate, cog_validate
from rio_cogeo.profiles import cog_profiles

from geo_industry.errors import InvalidParameter
from geo_industry.raster.grid import RasterGrid

__all__ = ["write_cog", "is_valid_cog"]


def write_cog(
    array: np.ndarray,
    *,
    grid: RasterGrid,
    path: str | Path,
    nodata: float | int | None,
    tags: Mapping[str, str] | None = None,
    overview_resampling: RIOResampling = "average",
    blocksize: int = 512,
) -> Path:
    """Write one band as a deflate-compressed COG with internal overviews.

    The file is first assembled in memory and then written by ``rio_cogeo.cog_translate``,
    with overviews down to one block. ``tags`` go into the dataset metadata (product name,
    units, value range), which tiles and listings read back. Float data gets NaN as nodata
    when ``nodata`` is NaN.

    Examples
    --------
    >>> write_cog(slope, grid=dem.grid, path="out/slope.tif", nodata=np.nan)  # doctest: +SKIP
    """
    if array.shape != grid.shape:
        raise InvalidParameter("array", array.shape, f"the grid's shape {grid.shape}",
                               message=f"array has shape {array.shape}, grid is {grid.shape}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = {
        "driver": "GTiff", "width": grid.width, "height": grid.height, "count": 1,
        "dtype": array.dtype.name, "crs": grid.crs, "transform": grid.transform, "nodata": nodata,
        "tiled": True, "blockxsize": blocksize, "blockysize": blocksize,
    }
    dst_profile = {**cog_profiles.get("deflate"), "blockxsize": blocksize, "blockysize": blocksize}
    if array.dtype.kind == "f":
        dst_profile["predictor"] = 3
    elif array.dtype.itemsize > 1:
        dst_profile["predictor"] = 2
    tmp = path.with_name(path.name + ".part")
    with MemoryFile() as memfile:
        with memfile.open(**profile) as mem:
            mem.write(array, 1)
            if tags:
                mem.update_tags(**tags)
        with memfile.open() as src:
            cog_translate(src, tmp, dst_profile, overview_resampling=overview_resampling,
                          in_memory=True, quiet=True, forward_band_tags=True,
                          config={"GDAL_NUM_THREADS": "ALL_CPUS"})
    tmp.replace(path)
    return path


def is_valid_cog(path: str | Path) -> bool:
    """True when ``path`` is a valid Cloud-Optimized GeoTIFF (rio_cogeo.cog_validate)."""
    valid, _errors, _warnings = cog_validate(str(path), quiet=True)
    return bool(valid)

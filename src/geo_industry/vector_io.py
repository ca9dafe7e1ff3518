"""Reading vector files through pyogrio, the one way every module reads layers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd


def read_vector(path: Path, **kwargs: object) -> gpd.GeoDataFrame:
    """Read any OGR-readable vector file.

    Date-like text (``as_of: "2025-07-01"``) stays text: the data model holds dates as ISO
    strings, and GDAL's automatic date detection would turn them into timestamps.
    """
    return gpd.read_file(path, engine="pyogrio", datetime_as_string=True, **kwargs)

"""GeoDataFrames as small GeoJSON for embedding in map pages."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely


def round_geometry(geom: Any, digits: int = 5) -> Any:
    """Round coordinates (5 decimals ≈ 1 m) so embedded GeoJSON stays small."""
    return shapely.set_precision(geom, 10**-digits) if geom is not None else None


def frame_geojson(frame: gpd.GeoDataFrame, columns: tuple[str, ...] = ()) -> dict[str, Any]:
    """A FeatureCollection of ``frame``'s non-empty geometries with only ``columns`` as properties."""
    features = []
    for _, row in frame.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        props = {c: row[c] for c in columns if c in row and isinstance(row[c], str | int | float)}
        features.append(
            {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(round_geometry(geom))}
        )
    return {"type": "FeatureCollection", "features": features}

"""Select the target features of each distance criterion from the curated layers.

Core functions take GeoDataFrames; :func:`load_layers` is the small helper the CLI uses to
read them from ``data/geo``. Sites whose ``status`` is ``removed`` or ``closed`` are not
targets (a closed mine supplies nothing). The railway and road criteria also take the line
features of ``transport_lines`` (``kind`` railway / national_road). Placeholder rows (a district
seat standing in for a site, ``coord_precision`` proxy-district) stay targets of the vector
analysis, which reports them as such, but are not burnt into the distance rasters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo_industry.catalog import LAYER_IDS
from geo_industry.raster.criteria import DISTANCE_CRITERIA

__all__ = [
    "ANALYSED_LAYER_IDS", "INACTIVE_STATUSES", "PLACEHOLDER_PRECISIONS", "TARGET_RULES", "is_placeholder",
    "load_layers", "located_targets", "target_layers",
]

ANALYSED_LAYER_IDS = (*LAYER_IDS, "transport_lines")
"""The site layers of the catalog and the reference lines the railway and road criteria measure to."""
INACTIVE_STATUSES = frozenset({"removed", "closed"})
PLACEHOLDER_PRECISIONS = frozenset({"proxy-district"})
"""``coord_precision`` values whose point stands in for a site it is not (a district seat)."""


def _column(frame: gpd.GeoDataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name].astype("string").str.lower().fillna("")
    return pd.Series("", index=frame.index, dtype="string")


def _all(frame: gpd.GeoDataFrame) -> pd.Series:
    return pd.Series(True, index=frame.index)


def _values(column: str, *values: str) -> Callable[[gpd.GeoDataFrame], pd.Series]:
    return lambda frame: _column(frame, column).isin(values)


def _commodity(prefix: str) -> Callable[[gpd.GeoDataFrame], pd.Series]:
    return lambda frame: _column(frame, "commodity").str.startswith(prefix)


TargetRule = tuple[str, Callable[[gpd.GeoDataFrame], pd.Series], str]

TARGET_RULES: dict[str, tuple[TargetRule, ...]] = {
    "border_gate": (("border_gates", _all, "every border gate and crossing"),),
    "railway": (("transport", _values("transport_type", "rail_station", "railway"),
                 "transport points of transport_type rail_station or railway"),
                ("transport_lines", _values("kind", "railway"), "transport lines of kind railway")),
    "national_road": (("transport_lines", _values("kind", "national_road"),
                       "transport lines of kind national_road"),),
    "expressway": (("transport", _values("transport_type", "expressway", "expressway_ic"),
                    "transport_type expressway or expressway_ic (interchanges)"),
                   ("transport_lines", _values("kind", "expressway"),
                    "transport lines of kind expressway")),
    "hydropower": (("hydropower_plants", _all, "every hydropower plant"),),
    "copper_mine": (("mines", _commodity("copper"), "mines whose commodity starts with 'copper'"),),
    "apatite_mine": (("mines", _commodity("apatite"),
                      "mines whose commodity starts with 'apatite'"),),
}
"""Criterion → the (layer kind, row selector, description) rules whose rows are its targets.

A rule names a kind: every layer of that kind (the shipped layer of that id, and any uploaded layer
the catalog gives that ``kind``) contributes targets."""


def _layer_targets(frame: gpd.GeoDataFrame, layer_id: str,
                   select: Callable[[gpd.GeoDataFrame], pd.Series]) -> gpd.GeoDataFrame:
    active = ~_column(frame, "status").isin(INACTIVE_STATUSES)
    return frame[select(frame) & active].assign(layer=layer_id)


def target_layers(layers: Mapping[str, gpd.GeoDataFrame], *,
                  kinds: Mapping[str, str] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Target features per distance criterion, following :data:`TARGET_RULES`.

    ``layers`` maps layer ids to GeoDataFrames, ``kinds`` layer ids to their kind
    (:func:`geo_industry.catalog.layer_kinds`; a layer left out is its own kind). A criterion none
    of whose layers is present is left out. Rows with null geometry are kept (the distance
    functions skip and count them); each row carries the ``layer`` it came from.

    Examples
    --------
    >>> targets = target_layers(load_layers("data/geo"))  # doctest: +SKIP
    >>> sorted(targets)  # doctest: +SKIP
    ['apatite_mine', 'border_gate', 'copper_mine', 'expressway', 'hydropower', 'national_road', ...]
    """
    kind_of = dict(kinds or {})
    targets: dict[str, gpd.GeoDataFrame] = {}
    for criterion in DISTANCE_CRITERIA:
        frames = [_layer_targets(frame.to_crs("EPSG:4326"), layer_id, select)
                  for kind, select, _ in TARGET_RULES[criterion]
                  for layer_id, frame in layers.items() if kind_of.get(layer_id, layer_id) == kind]
        if frames:
            targets[criterion] = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True),
                                                  geometry=frames[0].geometry.name, crs="EPSG:4326")
    return targets


def is_placeholder(frame: gpd.GeoDataFrame) -> pd.Series:
    """True for rows whose point is a placeholder (``coord_precision`` proxy-district)."""
    return _column(frame, "coord_precision").isin(PLACEHOLDER_PRECISIONS)


def located_targets(targets: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """The targets without their placeholder rows: what distance rasters are measured to."""
    return {criterion: frame[~is_placeholder(frame)] for criterion, frame in targets.items()}


def load_layers(directory: str | Path, *, layer_ids: tuple[str, ...] = ANALYSED_LAYER_IDS
                ) -> dict[str, gpd.GeoDataFrame]:
    """Read ``<layer_id>.geojson`` files of a folder (missing files are left out)."""
    folder = Path(directory)
    layers = {}
    for layer_id in layer_ids:
        path = folder / f"{layer_id}.geojson"
        if path.exists():
            layers[layer_id] = gpd.read_file(path)
    return layers

"""Select the target features of each distance criterion from the curated layers.

Core functions take GeoDataFrames; :func:`load_layers` is the small helper the CLI uses to
read them from ``data/geo``. Sites whose ``status`` is ``removed`` or ``closed`` are not
targets (a closed mine supplies nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo_industry.raster.criteria import DISTANCE_CRITERIA

__all__ = ["LAYER_IDS", "INACTIVE_STATUSES", "TARGET_RULES", "load_layers", "target_layers"]

LAYER_IDS = (
    "industrial_zones", "industrial_clusters", "mines", "processing_plants",
    "hydropower_plants", "border_gates", "transport",
)
INACTIVE_STATUSES = frozenset({"removed", "closed"})


def _column(frame: gpd.GeoDataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name].astype("string").str.lower().fillna("")
    return pd.Series("", index=frame.index, dtype="string")


def _all(frame: gpd.GeoDataFrame) -> pd.Series:
    return pd.Series(True, index=frame.index)


def _transport(*types: str) -> Callable[[gpd.GeoDataFrame], pd.Series]:
    return lambda frame: _column(frame, "transport_type").isin(types)


def _commodity(prefix: str) -> Callable[[gpd.GeoDataFrame], pd.Series]:
    return lambda frame: _column(frame, "commodity").str.startswith(prefix)


TARGET_RULES: dict[str, tuple[str, Callable[[gpd.GeoDataFrame], pd.Series], str]] = {
    "border_gate": ("border_gates", _all, "every border gate and crossing"),
    "railway": ("transport", _transport("rail_station", "railway"),
                "transport_type rail_station or railway"),
    "expressway": ("transport", _transport("expressway", "expressway_ic"),
                   "transport_type expressway or expressway_ic (interchanges)"),
    "hydropower": ("hydropower_plants", _all, "every hydropower plant"),
    "copper_mine": ("mines", _commodity("copper"), "mines whose commodity starts with 'copper'"),
    "apatite_mine": ("mines", _commodity("apatite"), "mines whose commodity starts with 'apatite'"),
}
"""Criterion → (layer id, row selector, description)."""


def target_layers(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """Target features per distance criterion, following :data:`TARGET_RULES`.

    ``layers`` maps layer ids to GeoDataFrames; a missing layer leaves its criteria out.
    Rows with null geometry are kept (the distance functions skip and count them).

    Examples
    --------
    >>> targets = target_layers(load_layers("data/geo"))  # doctest: +SKIP
    >>> sorted(targets)  # doctest: +SKIP
    ['apatite_mine', 'border_gate', 'copper_mine', 'expressway', 'hydropower', 'railway']
    """
    targets: dict[str, gpd.GeoDataFrame] = {}
    for criterion in DISTANCE_CRITERIA:
        layer_id, select, _description = TARGET_RULES[criterion]
        frame = layers.get(layer_id)
        if frame is None:
            continue
        active = ~_column(frame, "status").isin(INACTIVE_STATUSES)
        targets[criterion] = frame[select(frame) & active]
    return targets


def load_layers(directory: str | Path, *, layer_ids: tuple[str, ...] = LAYER_IDS
                ) -> dict[str, gpd.GeoDataFrame]:
    """Read ``<layer_id>.geojson`` files of a folder (missing files are left out)."""
    folder = Path(directory)
    layers = {}
    for layer_id in layer_ids:
        path = folder / f"{layer_id}.geojson"
        if path.exists():
            layers[layer_id] = gpd.read_file(path)
    return layers

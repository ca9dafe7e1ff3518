"""Which layers a whole-layer consumer reads whole: one rule for the analysis and the maps.

A database backend may hold layers of millions of features, and every server worker builds the
rasters, the zone analysis and the maps' data for itself. A layer is read whole
(:meth:`~geo_industry.store.base.BulkReader.frame`) only where every row is needed:

- ``analysis`` (raster products, zone assessments, value chain): the layers whose kind is the
  target of a distance criterion (:data:`~geo_industry.raster.layers.TARGET_RULES`), the zones and
  their outlines, and the layers of the value chain; whatever their size. No other layer counts.
- a request (zonal statistics over a collection's features): a layer under the threshold only; a
  larger one answers a clear 400 (:func:`is_large`).
- ``maps``: a layer under the vector tile threshold (``store.count``), and the reference layers (the
  basemap). A layer past it is drawn on served pages from its vector tiles and needs only its count
  and extent (:class:`geo_industry.maps.data.LayerSummary`); the static build (``maps build``) uses the
  same threshold and leaves such a layer out of its pages (they have no API to draw tiles from). Without a
  threshold every layer is read.

It sits in :mod:`geo_industry.raster` because the analysis rule is the raster criteria's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import geopandas as gpd

from geo_industry.catalog import layer_kind
from geo_industry.models import LayerMeta
from geo_industry.raster.layers import TARGET_RULES
from geo_industry.raster.properties import OUTLINE_LAYER, ZONE_LAYERS
from geo_industry.store.base import BulkReader, FeatureReader

__all__ = [
    "ANALYSED_KINDS", "ANALYSED_LAYERS", "VALUE_CHAIN_LAYERS", "Purpose", "analysed_frames", "drawn_from_tiles",
    "is_large", "needs_whole_frame",
]

Purpose = Literal["analysis", "maps"]
VALUE_CHAIN_LAYERS = ("mines", "processing_plants")
"""The layers the value chain links (mine → processing plant)."""
ANALYSED_KINDS = frozenset(kind for rules in TARGET_RULES.values() for kind, _select, _text in rules)
"""Kinds whose features are targets of a distance criterion (border gates, mines, transport …)."""
ANALYSED_LAYERS = frozenset({*ZONE_LAYERS, OUTLINE_LAYER, *VALUE_CHAIN_LAYERS})
"""Layers the analysis reads by id: the assessed zones, their outlines, the value chain."""


def is_large(features: int, threshold: int) -> bool:
    """Whether a layer of ``features`` features is past the vector tile threshold: never read whole
    on a request or for the served maps."""
    return features >= threshold


def needs_whole_frame(meta: LayerMeta, *, purpose: Purpose, features: int | None = None,
                      threshold: int | None = None) -> bool:
    """Whether a consumer of ``purpose`` reads the layer of ``meta`` whole (see the module's docstring).

    ``features`` is the layer's size (``store.count``), ``threshold`` the served maps' vector tile
    threshold (``maps`` only; None: the static build, every layer whole). Reference layers are the
    maps' basemap: always read.
    """
    if purpose == "analysis":
        return meta.id in ANALYSED_LAYERS or layer_kind(meta) in ANALYSED_KINDS
    return meta.group == "reference" or threshold is None or features is None or not is_large(features, threshold)


def analysed_frames(store: BulkReader, metas: Iterable[LayerMeta]) -> dict[str, gpd.GeoDataFrame]:
    """Layer id → whole frame of every layer the analysis reads, in catalog order."""
    return {m.id: store.frame(m.id) for m in metas if needs_whole_frame(m, purpose="analysis")}


def drawn_from_tiles(store: BulkReader, metas: Iterable[LayerMeta], *, threshold: int | None) -> list[LayerMeta]:
    """The layers the maps do not read, only size (count first; a store without per-request reads: none)."""
    if threshold is None or not isinstance(store, FeatureReader):
        return []
    return [m for m in metas
            if not needs_whole_frame(m, purpose="maps", features=store.count(m.id), threshold=threshold)]

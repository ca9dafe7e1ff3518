"""The layer catalog: ``data/geo/catalog.json`` (industrial layers) and ``data/reference/catalog.json``
(reference layers of the basemap) read into :class:`LayerMeta` objects."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import orjson
from pydantic import ValidationError

from geo_industry.errors import CollectionNotFound, DataError
from geo_industry.models import LayerMeta

LAYER_IDS: tuple[str, ...] = (
    "industrial_zones",
    "industrial_clusters",
    "zone_outlines",
    "mines",
    "processing_plants",
    "hydropower_plants",
    "border_gates",
    "transport",
)
REFERENCE_LAYER_IDS: tuple[str, ...] = ("boundaries", "countries", "places", "rivers", "transport_lines")
"""Layers of the ``reference`` group, shipped in ``data/reference/`` (``tools/curate_reference.py``)."""


class Catalog:
    """An ordered, read-only set of layer metadata."""

    def __init__(self, layers: list[LayerMeta]) -> None:
        self._layers = {layer.id: layer for layer in layers}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._layers.values())

    def __len__(self) -> int:
        return len(self._layers)

    def __contains__(self, layer_id: object) -> bool:
        return layer_id in self._layers

    def merged(self, other: Catalog) -> Catalog:
        """This catalog followed by the layers of ``other``; raises :class:`DataError` on a shared id."""
        shared = [layer.id for layer in other if layer.id in self]
        if shared:
            raise DataError(f"layer ids defined twice: {', '.join(shared)}")
        return Catalog([*self, *other])

    def get(self, layer_id: str) -> LayerMeta:
        """The layer called ``layer_id``; raises :class:`CollectionNotFound` otherwise."""
        try:
            return self._layers[layer_id]
        except KeyError:
            known = ", ".join(self._layers)
            raise CollectionNotFound(f"no collection '{layer_id}'; known: {known}") from None


def load_catalog(path: Path) -> Catalog:
    """Read a catalog file.

    Raises
    ------
    DataError
        When the file is missing, not JSON, or an entry does not match :class:`LayerMeta`.
    """
    try:
        document = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise DataError(f"{path}: catalog file not found") from None
    except orjson.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from None
    layers = []
    for index, entry in enumerate(document.get("layers", [])):
        try:
            layers.append(LayerMeta.model_validate(entry))
        except ValidationError as exc:
            name = entry.get("id", f"#{index}") if isinstance(entry, dict) else f"#{index}"
            raise DataError(f"{path}: layer {name}: {exc.errors()[0]['msg']}") from None
    return Catalog(layers)


def load_data_catalog(data_dir: Path) -> Catalog:
    """The catalog of a ``data/`` folder: ``geo/catalog.json`` plus ``reference/catalog.json`` when present."""
    catalog = load_catalog(data_dir / "geo" / "catalog.json")
    reference = data_dir / "reference" / "catalog.json"
    return catalog.merged(load_catalog(reference)) if reference.exists() else catalog


def layer_kind(meta: LayerMeta) -> str:
    """What a layer's features are: its declared ``kind``, else its id (the shipped layers are their own kind)."""
    return meta.kind or meta.id


def layer_kinds(metas: Iterable[LayerMeta]) -> dict[str, str]:
    """Layer id → kind (:func:`layer_kind`), in the order given."""
    return {meta.id: layer_kind(meta) for meta in metas}


def layer_file(data_dir: Path, meta: LayerMeta) -> Path:
    """The GeoJSON file of a layer: ``reference/`` for the reference group, else ``geo/``."""
    folder = "reference" if meta.group == "reference" else "geo"
    return data_dir / folder / f"{meta.id}.geojson"

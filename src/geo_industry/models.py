"""Domain models: layer metadata (the catalog), queries and result pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import geopandas as gpd
from pydantic import BaseModel, ConfigDict, Field

from geo_industry.crs import CRS84, SupportedCRS

NAME_FIELDS = ("name_search", "name_vi", "name_en", "name_zh", "name")
"""Fields a layer's sites are searched by by name (the map's search box asks the API with
``ACCENTI(CASEI(field)) LIKE '%word%'``), those the layer has; ``name_search`` (the names without
diacritics, lower case) stands for ``name_vi`` and ``name_en`` where present; ``name`` is the one name
of a layer of no known kind (an upload)."""

FieldType = Literal["string", "integer", "number", "boolean", "array", "object"]


class Bilingual(BaseModel):
    """A text in Vietnamese and English (Chinese optional)."""

    model_config = ConfigDict(extra="forbid")

    vi: str
    en: str
    zh: str | None = None

    def in_language(self, lang: str) -> str:
        """The text in ``lang`` (``vi``, ``en``, ``zh``), falling back to English."""
        value = getattr(self, lang.split("-")[0], None)
        return value or self.en


class FieldSpec(BaseModel):
    """One attribute of a layer: name, type, unit and allowed values."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: FieldType
    title: Bilingual | None = None
    description: str | None = None
    unit: str | None = None
    enum: list[Any] | None = None
    required: bool = False


class LayerMeta(BaseModel):
    """Catalog entry of one layer: what it is, where it comes from, what fields it has."""

    model_config = ConfigDict(extra="allow")

    id: str
    group: Literal["industry", "reference"] = "industry"
    """``reference`` layers (boundaries, places, rivers, transport lines) orient a reader; they are
    context, not industrial facts, and come from ``data/reference/`` with their own licences."""
    title: Bilingual
    description: Bilingual
    keywords: list[str] = Field(default_factory=list)
    geometry_type: str
    kind: str | None = None
    """What the features are, as a known layer id (``mines``, ``border_gates`` …): decides the map
    symbol and the analysis criteria the layer joins. Unset: the layer's own id (see
    :func:`geo_industry.catalog.layer_kind`); an uploaded layer of unknown kind is drawn by geometry type."""
    crs: str = "OGC:CRS84"
    as_of: str | None = None
    licence: str
    attribution: str
    sources: list[str] = Field(default_factory=list)
    temporal_field: str | None = None
    fields: list[FieldSpec] = Field(default_factory=list)

    def field_spec(self, name: str) -> FieldSpec | None:
        """The declared field called ``name``, if any."""
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class DateInterval:
    """A closed date interval; ``None`` ends are open."""

    start: date | None
    end: date | None


@dataclass(frozen=True)
class SortKey:
    """One ``sortby`` key."""

    name: str
    ascending: bool = True


@dataclass(frozen=True)
class SeekKey:
    """Where a feature stands in a layer's default order (file order): its ``position`` and ``id``.

    ``position`` is stable: a delete moves no other feature's (the PostGIS and SQLite ``position`` columns;
    the row number in files that take no writes).

    A page asked for ``after`` a key holds the features that follow it (a seek, not an ``OFFSET`` scan);
    a page in default order hands out its last feature's key for the next page (see
    :func:`geo_industry.query.seek_token`).
    """

    position: int
    id: str


@dataclass(frozen=True)
class FeatureQuery:
    """What a client asks of a layer. Geometries and bbox are in storage CRS (CRS84).

    ``crs``, ``properties`` and ``skip_geometry`` say what the answer should hold; each backend decides
    where that is done: a database may transform the geometries, leave out the other properties and,
    with ``skip_geometry``, the geometries in its ``SELECT`` (the page's :attr:`FeaturePage.crs` says
    which CRS its rows are in), the in-memory backends hand out storage rows and the encoder does all three.
    """

    bbox: tuple[float, float, float, float] | None = None
    datetime: DateInterval | None = None
    filter: Any = None  # a pygeofilter AST, already in storage CRS
    sortby: tuple[SortKey, ...] = ()
    properties: tuple[str, ...] | None = None
    limit: int = 10
    offset: int = 0
    crs: SupportedCRS = CRS84
    after: SeekKey | None = None
    """Only features after this key in default order (no ``sortby``); ``offset`` then only labels the page."""
    skip_geometry: bool = False
    """The answer leaves the geometries out (``skipGeometry``): a backend may read none (its rows' geometries
    are then ``None``)."""


@dataclass(frozen=True)
class TileAddress:
    """One tile: tile matrix set id, tile matrix (zoom), row and column."""

    tms: str
    matrix: int
    row: int
    col: int


@dataclass(frozen=True)
class VectorTile:
    """A Mapbox Vector Tile (``b""``: no feature reaches the tile) and whether features were left out of
    it at the per-tile limit (:data:`geo_industry.vector_tiles.TILE_FEATURE_LIMIT`)."""

    body: bytes
    limited: bool = False


class PageCounts:
    """What every page says of its paging, whatever holds its features (a frame, records): how many features
    matched (OGC ``numberMatched``)."""

    matched: int

    @property
    def number_matched(self) -> int:
        """How many features matched the query (OGC ``numberMatched``)."""
        return self.matched


@dataclass(frozen=True)
class FeaturePage(PageCounts):
    """A page of features: the page's own rows and how many features matched before paging.

    ``features`` holds the rows of this page only (in page order, index ``0..n-1``); a backend
    never hands out the whole layer for a page, so a database can answer with one bounded query.
    Its geometries are in ``crs``, x/y order (lon/lat, easting/northing): the query's CRS when the
    backend transformed them, else storage CRS84. When the query selected ``properties`` the rows may
    hold only those (and ``id``).
    """

    layer: LayerMeta
    features: gpd.GeoDataFrame
    matched: int
    offset: int
    limit: int
    crs: SupportedCRS = CRS84
    last_key: SeekKey | None = None
    """The key of the page's last feature when the page is in default order (what its ``next`` link seeks after)."""

    @property
    def number_returned(self) -> int:
        """How many features this page holds (OGC ``numberReturned``)."""
        return len(self.features)

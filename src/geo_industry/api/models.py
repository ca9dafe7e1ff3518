"""Response models (OGC vocabulary) for the OpenAPI document and for validating bodies in tests.

Routes return pre-encoded bytes for speed; these models describe those bytes. They allow
extra members, as the OGC schemas do.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Link(_Open):
    """An OGC link."""

    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class LandingPage(_Open):
    """The landing page."""

    title: str
    description: str | None = None
    links: list[Link]


class ConfClasses(_Open):
    """The conformance declaration."""

    conformsTo: list[str]  # noqa: N815 - OGC member name


class SpatialExtent(_Open):
    """Bounding boxes and their CRS."""

    bbox: list[list[float]] = Field(min_length=1)
    crs: str


class TemporalExtent(_Open):
    """Time intervals (open ends are null)."""

    interval: list[list[str | None]] = Field(min_length=1)
    trs: str


class Extent(_Open):
    """Spatial and temporal extent of a collection."""

    spatial: SpatialExtent | None = None
    temporal: TemporalExtent | None = None


class Collection(_Open):
    """A collection's metadata."""

    id: str
    title: str | None = None
    description: str | None = None
    links: list[Link]
    extent: Extent | None = None
    itemType: Literal["feature", "record"] = "feature"  # noqa: N815
    crs: list[str] | None = None
    storageCrs: str | None = None  # noqa: N815
    group: Literal["industry", "reference"] | None = Field(
        None, description="industry: the industrial layers; reference: basemap context (boundaries, places, "
                          "rivers, transport lines) with their own licences")


class Collections(_Open):
    """The list of collections."""

    links: list[Link]
    collections: list[Collection]
    crs: list[str] | None = None


class Feature(_Open):
    """A GeoJSON feature (geometry null for records and unknown locations)."""

    type: Literal["Feature"]
    id: str | int
    geometry: dict[str, Any] | None
    properties: dict[str, Any] | None
    links: list[Link] | None = None
    statistics: list[dict[str, Any]] | None = None


class FeatureCollection(_Open):
    """A page of features."""

    type: Literal["FeatureCollection"]
    features: list[Feature]
    links: list[Link]
    numberMatched: int = Field(ge=0)  # noqa: N815
    numberReturned: int = Field(ge=0)  # noqa: N815
    timeStamp: str  # noqa: N815


class Queryables(_Open):
    """A JSON Schema of the queryable properties."""

    type: Literal["object"]
    properties: dict[str, dict[str, Any]]


class FeatureSchema(_Open):
    """A JSON Schema of one GeoJSON feature of a collection."""

    type: Literal["object"]
    properties: dict[str, dict[str, Any]]
    required: list[str]


class QuarantinedRow(_Open):
    """A stored row left out of reads because it cannot be served (a write can repair it)."""

    collection: str
    featureId: str | None = None  # noqa: N815
    reason: str


class ReplicaRoutes(_Open):
    """Where a worker's reads went, with a read replica."""

    revision: int | None
    replayedRevision: int | None  # noqa: N815
    readsFromPrimary: int  # noqa: N815
    waitMs: int  # noqa: N815


class Health(_Open):
    """The health probe."""

    status: Literal["ok", "degraded"]
    collections: int
    features: int
    loadedAt: str  # noqa: N815
    quarantined: list[QuarantinedRow] | None = None
    replica: ReplicaRoutes | None = None


class OGCException(_Open):
    """An OGC exception document."""

    code: str
    description: str

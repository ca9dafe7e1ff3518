"""Grouped query parameters (dataclasses of documented ``Query`` fields) and their parsing.

``FilterParams`` (datetime, filter, sortby, properties) serve features and records,
``SpatialParams`` (bbox, crs …) features only, ``PageParams`` paging. Each group is turned
into an async dependency by :func:`as_dependency` (no thread hop per request). The parsing
into a :class:`~geo_industry.models.FeatureQuery` happens here, through the core parsers, not
in the route bodies. Query parameters named after a queryable filter on equality
(Part 3 ``queryables-query-parameters``); any other unknown parameter is a 400.

No ``from __future__ import annotations``: FastAPI reads these annotations at runtime.
"""

import functools
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, get_type_hints

from fastapi import Depends, Query, Request

from geo_industry.api.deps import (
    LayerDep,
    PreparedDep,
    RecordsDep,
    SettingsDep,
    StoreDep,
    declared_query_params,
    undeclared_query_params,
)
from geo_industry.api.limits import run_bounded
from geo_industry.cql import FILTER_LANGS, match_enumerations, parse_filter, to_storage_crs
from geo_industry.crs import CRS84, SUPPORTED_CRS, SupportedCRS
from geo_industry.errors import InvalidParameter, UnknownParameter
from geo_industry.models import FeatureQuery, LayerMeta
from geo_industry.query import (
    check_limit,
    parse_after,
    parse_bbox,
    parse_datetime,
    parse_properties,
    parse_sortby,
    resolve_output_crs,
)

T = TypeVar("T")
_CRS_ENUM = [c.uri for c in SUPPORTED_CRS]


def as_dependency(cls: type[T]) -> Callable[..., Awaitable[T]]:
    """An async dependency with the dataclass's documented fields as its parameters."""
    hints = get_type_hints(cls, include_extras=True)
    parameters = [p.replace(annotation=hints[p.name]) for p in inspect.signature(cls).parameters.values()]

    async def dependency(**values: Any) -> T:
        return cls(**values)

    dependency.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    dependency.__name__ = f"{cls.__name__}_dependency"
    return dependency


@dataclass(frozen=True)
class FilterParams:
    """Selection by time and attributes, ordering and property selection."""

    datetime: Annotated[str | None, Query(min_length=1,
        description="Instant or interval (RFC 3339, `..` for an open end), e.g. `2015-01-01/..`; "
                    "matched against the collection's temporal field (years)")] = None
    filter: Annotated[str | None, Query(min_length=1,
        description="CQL2 filter, e.g. `capacity_value > 30 AND status = 'operating'`")] = None
    filter_lang: Annotated[str | None, Query(min_length=1,
        alias="filter-lang", description="Language of `filter`: `cql2-text` (default) or `cql2-json`",
        json_schema_extra={"enum": list(FILTER_LANGS)})] = None
    sortby: Annotated[str | None, Query(min_length=1,
        description="Comma-separated queryables, each prefixed `+` (ascending, default) or `-`, "
                    "e.g. `-capacity_value,name_en`")] = None
    properties: Annotated[str | None, Query(min_length=1,
        description="Comma-separated properties to return (others are left out)")] = None


@dataclass(frozen=True)
class SpatialParams:
    """Spatial selection and the CRS of the response."""

    bbox: Annotated[str | None, Query(min_length=1,
        description="Bounding box `minx,miny,maxx,maxy` (or 6 numbers with heights) in `bbox-crs`")] = None
    bbox_crs: Annotated[str | None, Query(min_length=1,
        alias="bbox-crs", description="CRS of `bbox` (default CRS84)", json_schema_extra={"enum": _CRS_ENUM})] = None
    filter_crs: Annotated[str | None, Query(min_length=1,
        alias="filter-crs", description="CRS of geometry literals in `filter` (default CRS84)",
        json_schema_extra={"enum": _CRS_ENUM})] = None
    crs: Annotated[str | None, Query(min_length=1,
        description="CRS of the response geometries (default CRS84)", json_schema_extra={"enum": _CRS_ENUM})] = None
    skip_geometry: Annotated[bool, Query(
        alias="skipGeometry", description="Leave geometries out (`true`) for attribute-only use")] = False


@dataclass(frozen=True)
class PageParams:
    """Offset paging."""

    limit: Annotated[int | None, Query(
        description="Items per page (the maximum is published as this parameter's `maximum`)")] = None
    offset: Annotated[int, Query(ge=0, description="Items to skip (follow the `next` link to page)")] = 0


@dataclass(frozen=True)
class SeekParams:
    """Paging by seeking: the ``next`` link of a page in default order carries where the page ended."""

    after: Annotated[str | None, Query(min_length=1,
        description="Opaque token of the last feature of the previous page, as the `next` link carries it "
                    "(pages in default order, without `sortby`): the page starts after that feature without "
                    "skipping `offset` rows; `offset` then only numbers the page")] = None


@dataclass(frozen=True)
class ItemsParams(SeekParams, PageParams, SpatialParams, FilterParams):
    """Everything a spatial collection's `/items` accepts (one dependency per request)."""


@dataclass(frozen=True)
class DownloadParams(SpatialParams, FilterParams):
    """A download's selection: the items' parameters without paging."""


@dataclass(frozen=True)
class RecordsParams(PageParams, FilterParams):
    """Everything the statistics records' `/items` accepts."""


ItemsParamsDep = Annotated[ItemsParams, Depends(as_dependency(ItemsParams))]
DownloadParamsDep = Annotated[DownloadParams, Depends(as_dependency(DownloadParams))]
RecordsParamsDep = Annotated[RecordsParams, Depends(as_dependency(RecordsParams))]
FilterParamsDep = Annotated[FilterParams, Depends(as_dependency(FilterParams))]


@dataclass(frozen=True)
class ItemsQuery:
    """A parsed items request: the core query, which also says how to encode the answer (output CRS,
    properties, ``skipGeometry``)."""

    query: FeatureQuery

    @property
    def skip_geometry(self) -> bool:
        """Whether the response leaves the geometries out (``skipGeometry``)."""
        return self.query.skip_geometry

    @property
    def crs(self) -> SupportedCRS:
        """The CRS of the response's geometries."""
        return self.query.crs


def _typed(name: str, kind: str, raw: str) -> Any:
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        raise InvalidParameter(name, raw, f"a {kind} (it is a queryable of type {kind})") from None
    if kind == "boolean":
        if raw.lower() not in ("true", "false"):
            raise InvalidParameter(name, raw, "true or false")
        return raw.lower() == "true"
    return raw


def queryable_filter(request: Request, queryables: dict[str, str]) -> dict[str, Any] | None:
    """Equality filters from query parameters named after queryables; 400 for any other unknown name."""
    clauses = []
    for name in undeclared_query_params(request):
        kind = queryables.get(name)
        if kind is None or kind == "geometry":
            names = ", ".join(sorted(declared_query_params(request) | set(queryables) - {"geometry"}))
            raise UnknownParameter(name, request.query_params[name],
                                   f"a parameter of this resource or a queryable: {names}")
        values = [_typed(name, kind, raw) for raw in request.query_params.getlist(name)]
        prop = {"property": name}
        clauses.append({"op": "=", "args": [prop, values[0]]} if len(values) == 1
                       else {"op": "in", "args": [prop, values]})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"op": "and", "args": clauses}


def enumerations(layer: LayerMeta, queryables: dict[str, str]) -> dict[str, list[Any]]:
    """The allowed values of the layer's enumerated queryables."""
    specs = (layer.field_spec(name) for name in queryables)
    return {spec.name: spec.enum for spec in specs if spec is not None and spec.enum}


def build_query(filters: FilterParams, *, queryables: dict[str, str], available: set[str],
                extra: dict[str, Any] | None,
                limit: int, offset: int, bbox: tuple[float, float, float, float] | None = None,
                filter_crs: SupportedCRS = CRS84, crs: SupportedCRS = CRS84,
                enums: dict[str, list[Any]] | None = None, after: str | None = None,
                skip_geometry: bool = False) -> FeatureQuery:
    """Parse the filter group into a :class:`FeatureQuery` (geometry literals in storage CRS).

    Texts compared to an enumerated property (``enums``) are checked against its allowed values.
    CPU-heavy for hostile filters: the dependencies below run it with :func:`run_bounded`.
    """
    expression = None
    if filters.filter is not None:
        expression = to_storage_crs(parse_filter(filters.filter, filters.filter_lang or "cql2-text"),
                                    filter_crs.code)
        expression = match_enumerations(expression, enums or {}, "filter")
    elif filters.filter_lang is not None and filters.filter_lang not in FILTER_LANGS:
        raise InvalidParameter("filter-lang", filters.filter_lang, "cql2-text or cql2-json")
    if after is not None and filters.sortby is not None:
        raise InvalidParameter("after", after, "no `after` with `sortby` (sorted pages are paged by `offset`)")
    if extra is not None:
        extra = match_enumerations(extra, enums or {})
        expression = extra if expression is None else {"op": "and", "args": [expression, extra]}
    return FeatureQuery(
        bbox=bbox,
        datetime=None if filters.datetime is None else parse_datetime(filters.datetime),
        filter=expression,
        sortby=() if filters.sortby is None else parse_sortby(filters.sortby, queryables),
        properties=None if filters.properties is None else parse_properties(filters.properties, available),
        limit=limit,
        offset=offset,
        crs=crs,
        after=None if after is None else parse_after(after),
        skip_geometry=skip_geometry,
    )


def _page(page: PageParams, max_limit: int, default_limit: int) -> tuple[int, int]:
    limit = default_limit if page.limit is None else page.limit
    check_limit(limit, page.offset, max_limit=max_limit)
    return limit, page.offset


def _spatial(spatial: SpatialParams) -> tuple[tuple[float, float, float, float] | None, SupportedCRS, SupportedCRS]:
    bbox_crs = resolve_output_crs(spatial.bbox_crs, "bbox-crs")
    bbox = None if spatial.bbox is None else parse_bbox(spatial.bbox, bbox_crs=bbox_crs)
    return bbox, resolve_output_crs(spatial.filter_crs, "filter-crs"), resolve_output_crs(spatial.crs, "crs")


def _check_temporal(layer: LayerMeta, filters: FilterParams) -> None:
    if filters.datetime is not None and not layer.temporal_field:
        raise InvalidParameter("datetime", filters.datetime,
                               f"no datetime: collection '{layer.id}' has no temporal property")


async def features_query(request: Request, layer: LayerDep, prepared: PreparedDep, settings: SettingsDep,
                         params: ItemsParamsDep) -> ItemsQuery:
    """The items request of a spatial collection."""
    store = prepared.store
    _check_temporal(layer, params)
    queryables = store.queryables(layer.id)
    limit, offset = _page(params, settings.max_limit, settings.default_limit)
    bbox, filter_crs, crs = _spatial(params)
    extra = queryable_filter(request, queryables)
    # a filter is parsed in a worker thread (hostile ones take CPU); without one the thread hop costs more than the work
    build = functools.partial(build_query, params, queryables=queryables, available=set(store.schema(layer.id)),
                              extra=extra, limit=limit, offset=offset, bbox=bbox, filter_crs=filter_crs, crs=crs,
                              enums=enumerations(layer, queryables), after=params.after,
                              skip_geometry=params.skip_geometry)
    query = build() if params.filter is None and extra is None else await run_bounded(request, build)
    return ItemsQuery(query)


async def download_query(request: Request, layer: LayerDep, store: StoreDep,
                         params: DownloadParamsDep) -> ItemsQuery:
    """The whole selection of a spatial collection (no paging), for downloads (the download sets the limit to the
    layer's count in the view it reads)."""
    _check_temporal(layer, params)
    queryables = store.queryables(layer.id)
    bbox, filter_crs, crs = _spatial(params)
    query = await run_bounded(request, build_query, params, queryables=queryables,
                              available=set(store.schema(layer.id)), extra=queryable_filter(request, queryables),
                              limit=1, offset=0, bbox=bbox, filter_crs=filter_crs, crs=crs,
                              enums=enumerations(layer, queryables), skip_geometry=params.skip_geometry)
    return ItemsQuery(query)


async def records_query(request: Request, records: RecordsDep, settings: SettingsDep,
                        params: RecordsParamsDep) -> ItemsQuery:
    """The items request of the statistics records collection."""
    queryables = records.queryables()
    limit, offset = _page(params, settings.max_limit, settings.default_limit)
    query = await run_bounded(request, build_query, params, queryables=queryables,
                              available=set(records.schema()), extra=queryable_filter(request, queryables),
                              limit=limit, offset=offset)
    return ItemsQuery(query)


async def records_download_query(request: Request, records: RecordsDep, filters: FilterParamsDep) -> ItemsQuery:
    """Every statistics record the filters select (no paging), for downloads."""
    queryables = records.queryables()
    query = await run_bounded(request, build_query, filters, queryables=queryables,
                              available=set(records.schema()), extra=queryable_filter(request, queryables),
                              limit=max(records.count(), 1), offset=0)
    return ItemsQuery(query)


async def output_crs(
    crs: Annotated[str | None, Query(min_length=1, description="CRS of the response geometry (default CRS84)",
                                     json_schema_extra={"enum": _CRS_ENUM})] = None,
) -> SupportedCRS:
    """The CRS asked for with ``crs`` (CRS84 when absent)."""
    return resolve_output_crs(crs, "crs")


OutputCrsDep = Annotated[SupportedCRS, Depends(output_crs)]
FeaturesQueryDep = Annotated[ItemsQuery, Depends(features_query)]
DownloadQueryDep = Annotated[ItemsQuery, Depends(download_query)]
RecordsQueryDep = Annotated[ItemsQuery, Depends(records_query)]
RecordsDownloadQueryDep = Annotated[ItemsQuery, Depends(records_download_query)]

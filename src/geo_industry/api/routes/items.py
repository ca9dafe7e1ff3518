"""Features of a spatial collection: pages (`/items`) and single features."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import Response

from geo_industry.api.deps import LangDep, LayerDep, PreparedDep, UrlsDep
from geo_industry.api.features import (
    content_crs,
    feature_body,
    html_paging,
    page_body,
    paging_links,
    record_page_body,
    table_columns,
    with_members,
)
from geo_industry.api.html import bilingual, render
from geo_industry.api.limits import run_bounded
from geo_industry.api.links import Urls, link
from geo_industry.api.models import Feature, FeatureCollection
from geo_industry.api.negotiation import GEOJSON_OFFER, HTML_OFFER, Offer, negotiator
from geo_industry.api.params import FeaturesQueryDep, ItemsQuery, OutputCrsDep
from geo_industry.api.rasters_state import analysis_member
from geo_industry.api.responses import GEOJSON, HTML, JSON, GeoJSONResponse
from geo_industry.api.stamping import PLACEHOLDER, STAMPED_HEADERS
from geo_industry.api.statistics_view import statistics_view
from geo_industry.cql import CQL2_CONFORMANCE
from geo_industry.crs import CRS84, SupportedCRS
from geo_industry.geojson import FeatureEncoder, record_bytes
from geo_industry.models import LayerMeta
from geo_industry.records import StatisticsRecords
from geo_industry.store import FeatureReader
from geo_industry.store.base import FeatureRecordSource

CONFORMS_TO = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    *CQL2_CONFORMANCE,
)

router = APIRouter(tags=["Data"])
ItemsFormat = Annotated[Offer, Depends(negotiator(GEOJSON_OFFER, HTML_OFFER))]
FeatureId = Annotated[str, Path(alias="featureId", description="Feature id, e.g. `mine-sin-quyen`")]


@router.get("/collections/{collectionId}/items", operation_id="getFeatures", summary="Features",
            response_class=GeoJSONResponse, responses={200: {"model": FeatureCollection, "content": {HTML: {}}}})
async def items(request: Request, layer: LayerDep, query: FeaturesQueryDep, prepared: PreparedDep, urls: UrlsDep,
                lang: LangDep, out: ItemsFormat) -> Response:
    """A page of features selected by bbox, datetime, CQL2 filter or queryables, in any offered CRS."""
    return await run_bounded(request, _items_page, layer, query, prepared.store, prepared.encoder, urls, lang, out)


def _items_page(layer: LayerMeta, query: ItemsQuery, store: FeatureReader, encoder: FeatureEncoder, urls: Urls,
                lang: str, out: Offer) -> Response:
    """Select and encode one page (in a worker thread: filters and big pages take CPU)."""
    path = f"/collections/{layer.id}"
    if not out.is_html and isinstance(store, FeatureRecordSource):  # the same page, no frame (a database's)
        records = store.record_page(layer.id, query.query)
        body = record_page_body(encoder, records, query, links=paging_links(urls, records, path),
                                time_stamp=PLACEHOLDER)
        return _page_json(body, query.crs)
    page = store.query(layer.id, query.query)
    links = paging_links(urls, page, path)
    if out.is_html:
        columns = table_columns(page.features, lang, query.query.properties)
        return render("items.html", urls=urls, lang=lang, title=bilingual(layer.title, lang), page=page,
                      links=links, paging=html_paging(urls, page), collection_id=layer.id, columns=columns,
                      spatial=True)
    return _page_json(page_body(encoder, page, query, links=links, time_stamp=PLACEHOLDER), query.crs)


def _page_json(body: bytes, crs: SupportedCRS) -> Response:
    """The GeoJSON response of a page (its time stamp written by the response cache)."""
    return GeoJSONResponse(body, headers={**content_crs(crs), **STAMPED_HEADERS})


@router.get("/collections/{collectionId}/items/{featureId}", operation_id="getFeature", summary="Feature",
            response_class=GeoJSONResponse, responses={200: {"model": Feature, "content": {HTML: {}}}})
async def feature(request: Request, layer: LayerDep, feature_id: FeatureId, crs: OutputCrsDep, prepared: PreparedDep,
                  urls: UrlsDep, lang: LangDep, out: ItemsFormat) -> Response:
    """One feature with its full statistics series (member `statistics`), sources and, for zones, `analysis`
    (a convenience duplicate of `/analysis/zones` for the zone; the flat `dist_*` properties carry the same figures)."""
    analysis = await analysis_member(request, layer.id, feature_id)
    return await run_bounded(request, _feature_response, layer, feature_id, crs, prepared.store, prepared.records,
                             prepared.encoder, urls, lang, out, analysis)


def _feature_response(layer: LayerMeta, feature_id: str, crs: SupportedCRS, store: FeatureReader,
                      records: StatisticsRecords, encoder: FeatureEncoder, urls: Urls, lang: str, out: Offer,
                      analysis: dict[str, Any]) -> Response:
    """Read and encode one feature (in a worker thread: a database store's reads wait on the network)."""
    path = f"/collections/{layer.id}/items/{feature_id}"
    links = [link(urls.current(f=None), "self", GEOJSON, "this feature"),
             link(urls.url(path, f="html"), "alternate", HTML, "this feature as HTML"),
             link(urls.url(f"/collections/{layer.id}"), "collection", JSON, "the collection")]
    members = {"links": links, "statistics": records.series(feature_id), **analysis}
    if not out.is_html and isinstance(store, FeatureRecordSource):  # one statement, no frame (a database's)
        record = store.feature_record(layer.id, feature_id, crs)
        fragment = record_bytes(record.id, record.geometry, record.properties, crs=crs, source=record.crs)
        return _feature_json(with_members(fragment, members), crs, record.etag)
    # the tag before the row: should a write land between the two reads, the row is the newer one and an If-Match
    # with this tag is refused (412), never an edit of the older row applied over the write (a lost update)
    etag = store.feature_etag(layer.id, feature_id)  # what a write's If-Match compares with (editable stores)
    row = store.get(layer.id, feature_id, crs=crs)  # its geometry in crs
    if out.is_html:
        properties = row.drop(columns=row.geometry.name).iloc[0].to_dict()
        name = properties.get(f"name_{lang}") or properties.get("name_en") or feature_id
        return render("feature.html", urls=urls, lang=lang, title=str(name), collection_id=layer.id,
                      collection_title=bilingual(layer.title, lang), feature_id=feature_id,
                      properties=properties, located=row.geometry.iloc[0] is not None,
                      statistics=statistics_view(store.series(feature_id), lang))
    # an editable store's row is encoded afresh: the encoder keeps fragments per revision the worker knows of,
    # and a row read from a database may be newer (another worker's write not yet heard of), so a kept fragment
    # would pair an older body with this row's tag
    fresh = FeatureEncoder() if etag is not None else encoder
    return _feature_json(feature_body(fresh, layer.id, row, crs, **members), crs, etag)


def _feature_json(body: bytes, crs: SupportedCRS, etag: str | None) -> Response:
    """The GeoJSON response of one feature; its entity tag is the ETag in the storage CRS (what If-Match compares)."""
    headers = content_crs(crs)
    if etag is not None and crs == CRS84:
        headers["ETag"] = etag
    return GeoJSONResponse(body, headers=headers)

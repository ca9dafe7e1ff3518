"""Collections: the list, one collection's metadata, its queryables (Part 3)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from geo_industry.api.deps import LangDep, LayerDep, RecordsDep, StoreDep, UrlsDep, reject_unknown_params
from geo_industry.api.documents import (
    collection_document,
    feature_schema_document,
    queryables_document,
    records_collection_document,
)
from geo_industry.api.html import bilingual, render, text
from geo_industry.api.limits import run_bounded
from geo_industry.api.links import Urls, link
from geo_industry.api.models import Collection, Collections, FeatureSchema, Queryables
from geo_industry.api.negotiation import HTML_OFFER, JSON_OFFER, SCHEMA_OFFER, Offer, negotiator
from geo_industry.api.responses import HTML, JSON, JSONResponse, SchemaJSONResponse
from geo_industry.crs import SUPPORTED_CRS
from geo_industry.models import LayerMeta
from geo_industry.store import FeatureReader

CONFORMS_TO = (
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
)

router = APIRouter(tags=["Data"], dependencies=[Depends(reject_unknown_params)])
PageFormat = Annotated[Offer, Depends(negotiator(JSON_OFFER, HTML_OFFER))]
SchemaFormat = Annotated[Offer, Depends(negotiator(SCHEMA_OFFER, HTML_OFFER))]


@router.get("/collections", operation_id="getCollections", summary="Collections",
            responses={200: {"model": Collections, "content": {HTML: {}}}}, response_class=JSONResponse)
async def collections(request: Request, store: StoreDep, records: RecordsDep, urls: UrlsDep, lang: LangDep,
                      out: PageFormat) -> Response:
    """The spatial layers and the statistics records collection."""
    # extents and counts are read from the store once per revision (on a database: scans of the
    # large layers), so never on the event loop
    documents = await run_bounded(request, _collection_documents, store, urls, lang)
    documents.append(records_collection_document(records, urls, lang))
    body = {
        "links": [link(urls.url("/collections"), "self", JSON, "this document"),
                  link(urls.url("/collections", f="html"), "alternate", HTML, "this document as HTML")],
        "crs": [c.uri for c in SUPPORTED_CRS],
        "collections": documents,
    }
    if out.is_html:
        return render("collections.html", urls=urls, lang=lang, title=text(lang, "collections"),
                      collections=documents)
    return JSONResponse(body, headers={"Content-Language": lang})


@router.get("/collections/{collectionId}", operation_id="describeCollection", summary="Collection",
            responses={200: {"model": Collection, "content": {HTML: {}}}}, response_class=JSONResponse)
async def collection(request: Request, layer: LayerDep, store: StoreDep, urls: UrlsDep, lang: LangDep,
                     out: PageFormat) -> Response:
    """A collection's metadata: extent, CRS list, storage CRS, links to items and queryables."""
    return await run_bounded(request, _collection_response, layer, store, urls, lang, out)


def _collection_documents(store: FeatureReader, urls: Urls, lang: str) -> list[dict[str, Any]]:
    """Every layer's collection document (in a worker thread: extents and counts read the store)."""
    return [collection_document(meta, store, urls, lang) for meta in store.collections()]


def _collection_response(layer: LayerMeta, store: FeatureReader, urls: Urls, lang: str, out: Offer) -> Response:
    """One layer's collection document or page (in a worker thread: its extent and count read the store)."""
    document = collection_document(layer, store, urls, lang)
    if out.is_html:
        return render("collection.html", urls=urls, lang=lang, title=document["title"], collection=document,
                      meta=layer, feature_count=store.count(layer.id))
    return JSONResponse(document, headers={"Content-Language": lang})


@router.get("/collections/{collectionId}/schema", operation_id="getCollectionSchema", summary="Feature schema",
            responses={200: {"model": FeatureSchema, "content": {HTML: {}}}}, response_class=SchemaJSONResponse)
async def schema(layer: LayerDep, store: StoreDep, urls: UrlsDep, lang: LangDep, out: SchemaFormat) -> Response:
    """JSON Schema of this collection's GeoJSON features, every property typed (for GIS clients)."""
    path = f"/collections/{layer.id}/schema"
    document = feature_schema_document(layer, store.queryables(layer.id), path, urls, lang)
    if out.is_html:
        return render("queryables.html", urls=urls, lang=lang,
                      title=f"{text(lang, 'schema')}: {bilingual(layer.title, lang)}",
                      schema=document["properties"]["properties"], collection_id=layer.id)
    return SchemaJSONResponse(document, headers={"Content-Language": lang})


@router.get("/collections/{collectionId}/queryables", operation_id="getQueryables", summary="Queryables",
            responses={200: {"model": Queryables, "content": {HTML: {}}}},
            response_class=SchemaJSONResponse)
async def queryables(layer: LayerDep, store: StoreDep, urls: UrlsDep, lang: LangDep, out: SchemaFormat) -> Response:
    """The properties a `filter`, `sortby` or a query parameter may name (JSON Schema)."""
    document = queryables_document(layer, store.queryables(layer.id), urls, lang)
    if out.is_html:
        return render("queryables.html", urls=urls, lang=lang,
                      title=f"{text(lang, 'queryables')}: {bilingual(layer.title, lang)}",
                      schema=document, collection_id=layer.id)
    return SchemaJSONResponse(document, headers={"Content-Language": lang})

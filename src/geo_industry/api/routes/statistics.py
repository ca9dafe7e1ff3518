"""The non-spatial `statistics` collection: output statistics as records (itemType `record`).

Registered before the generic collection routes so that `/collections/statistics/...` resolves here.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from geo_industry.api.deps import EncoderDep, LangDep, RecordsDep, UrlsDep, reject_unknown_params
from geo_industry.api.documents import feature_schema_document, queryables_document, records_collection_document
from geo_industry.api.errors import NotAcceptable
from geo_industry.api.features import feature_body, html_paging, page_body, paging_links, table_columns
from geo_industry.api.html import render, text
from geo_industry.api.limits import run_bounded
from geo_industry.api.links import Urls, link
from geo_industry.api.models import Collection, Feature, FeatureCollection, FeatureSchema, Queryables
from geo_industry.api.negotiation import GEOJSON_OFFER, HTML_OFFER, JSON_OFFER, SCHEMA_OFFER, Offer, negotiator
from geo_industry.api.params import ItemsQuery, RecordsDownloadQueryDep, RecordsQueryDep
from geo_industry.api.responses import (
    GEOJSON,
    HTML,
    JSON,
    GeoJSONResponse,
    JSONResponse,
    SchemaJSONResponse,
)
from geo_industry.api.stamping import PLACEHOLDER, STAMPED_HEADERS
from geo_industry.crs import CRS84
from geo_industry.export import EXPORT_FORMATS, ExportFormat, export_bytes
from geo_industry.geojson import FeatureEncoder
from geo_industry.records import STATISTICS_ID, StatisticsRecords

router = APIRouter(prefix=f"/collections/{STATISTICS_ID}", tags=["Statistics"])
PageFormat = Annotated[Offer, Depends(negotiator(JSON_OFFER, HTML_OFFER))]
ItemsFormat = Annotated[Offer, Depends(negotiator(GEOJSON_OFFER, HTML_OFFER))]
SchemaFormat = Annotated[Offer, Depends(negotiator(SCHEMA_OFFER, HTML_OFFER))]
RecordId = Annotated[str, Path(alias="recordId",
                                description="Record id: `indicator.entity.year.period.basis`")]
_PATH = f"/collections/{STATISTICS_ID}"
#: table formats only: records have no geometry
RECORD_FORMATS = ("csv", "geojson", "gpkg")
_RECORD_FILE_SCHEMAS = {"csv": {"type": "string"}, "geojson": {"type": "object"},
                        "gpkg": {"type": "string", "format": "binary"}}


@router.get("", operation_id="describeStatisticsCollection", summary="Statistics collection",
            responses={200: {"model": Collection, "content": {HTML: {}}}}, response_class=JSONResponse,
            dependencies=[Depends(reject_unknown_params)])
async def statistics_collection(records: RecordsDep, urls: UrlsDep, lang: LangDep, out: PageFormat) -> Response:
    """The records collection's metadata (temporal extent, links)."""
    document = records_collection_document(records, urls, lang)
    if out.is_html:
        return render("collection.html", urls=urls, lang=lang, title=document["title"], collection=document,
                      meta=records.meta, feature_count=records.count())
    return JSONResponse(document, headers={"Content-Language": lang})


@router.get("/queryables", operation_id="getStatisticsQueryables", summary="Statistics queryables",
            responses={200: {"model": Queryables, "content": {HTML: {}}}}, response_class=SchemaJSONResponse,
            dependencies=[Depends(reject_unknown_params)])
async def statistics_queryables(records: RecordsDep, urls: UrlsDep, lang: LangDep, out: SchemaFormat) -> Response:
    """Properties a filter, sortby or query parameter may name."""
    document = queryables_document(records.meta, records.queryables(), urls, lang)
    if out.is_html:
        return render("queryables.html", urls=urls, lang=lang, title=f"{text(lang, 'queryables')}: {STATISTICS_ID}",
                      schema=document, collection_id=STATISTICS_ID)
    return SchemaJSONResponse(document, headers={"Content-Language": lang})


@router.get("/schema", operation_id="getStatisticsSchema", summary="Statistics record schema",
            responses={200: {"model": FeatureSchema, "content": {HTML: {}}}}, response_class=SchemaJSONResponse,
            dependencies=[Depends(reject_unknown_params)])
async def statistics_schema(records: RecordsDep, urls: UrlsDep, lang: LangDep, out: SchemaFormat) -> Response:
    """JSON Schema of the records (GeoJSON features without geometry), every property typed."""
    document = feature_schema_document(records.meta, records.queryables(), f"{_PATH}/schema", urls, lang)
    if out.is_html:
        return render("queryables.html", urls=urls, lang=lang, title=f"{text(lang, 'schema')}: {STATISTICS_ID}",
                      schema=document["properties"]["properties"], collection_id=STATISTICS_ID)
    return SchemaJSONResponse(document, headers={"Content-Language": lang})


@router.get("/items", operation_id="getStatisticsRecords", summary="Statistics records",
            response_class=GeoJSONResponse, responses={200: {"model": FeatureCollection, "content": {HTML: {}}}})
async def statistics_records(request: Request, query: RecordsQueryDep, records: RecordsDep, encoder: EncoderDep,
                             urls: UrlsDep, lang: LangDep, out: ItemsFormat) -> Response:
    """Records filtered by indicator, entity, year (`datetime`) or CQL2; geometry is null."""
    return await run_bounded(request, _records_page, query, records, encoder, urls, lang, out)


def _records_page(query: ItemsQuery, records: StatisticsRecords, encoder: FeatureEncoder, urls: Urls, lang: str,
                  out: Offer) -> Response:
    """Select and encode one page of records (in a worker thread: filters take CPU)."""
    page = records.query(query.query)
    links = paging_links(urls, page, _PATH)
    if out.is_html:
        columns = table_columns(page.features, lang, query.query.properties)
        return render("items.html", urls=urls, lang=lang, title=text(lang, "statistics"), page=page, links=links,
                      paging=html_paging(urls, page), collection_id=STATISTICS_ID, columns=columns,
                      spatial=False)
    body = page_body(encoder, page, query, links=links, time_stamp=PLACEHOLDER)
    return GeoJSONResponse(body, headers=STAMPED_HEADERS)


@router.get("/download", operation_id="downloadStatistics", summary="Download statistics records",
            responses={200: {"content": {EXPORT_FORMATS[name].media_type: {"schema": _RECORD_FILE_SCHEMAS[name]}
                                         for name in RECORD_FORMATS}}},
            response_class=Response)
async def statistics_download(
    request: Request,
    query: RecordsDownloadQueryDep,
    records: RecordsDep,
    f: Annotated[str, Query(description="File format: " + ", ".join(RECORD_FORMATS),
                            json_schema_extra={"enum": list(RECORD_FORMATS)})] = "csv",
) -> Response:
    """Every record the filters select (datetime, filter, queryables) as one table file."""
    if f.lower() not in RECORD_FORMATS:
        raise NotAcceptable("f", f, RECORD_FORMATS)
    return await run_bounded(request, _records_file, query, records, EXPORT_FORMATS[f.lower()])


def _records_file(query: ItemsQuery, records: StatisticsRecords, fmt: ExportFormat) -> Response:
    """Select and write the table file (in a worker thread, within the request budget)."""
    frame = records.query(query.query).features
    if query.query.properties is not None:
        frame = frame[["id", *[p for p in query.query.properties if p != "id"], frame.geometry.name]]
    content = export_bytes(frame, fmt=fmt, layer_name=STATISTICS_ID)
    return Response(content, media_type=fmt.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{STATISTICS_ID}{fmt.suffix}"'})


@router.get("/items/{recordId}", operation_id="getStatisticsRecord", summary="Statistics record",
            response_class=GeoJSONResponse, responses={200: {"model": Feature, "content": {HTML: {}}}},
            dependencies=[Depends(reject_unknown_params)])
async def statistics_record(record_id: RecordId, records: RecordsDep, encoder: EncoderDep, urls: UrlsDep,
                            lang: LangDep, out: ItemsFormat) -> Response:
    """One statistics record."""
    row = records.get(record_id)
    links = [link(urls.current(f=None), "self", GEOJSON, "this record"),
             link(urls.url(f"{_PATH}/items/{record_id}", f="html"), "alternate", HTML, "this record as HTML"),
             link(urls.url(_PATH), "collection", JSON, "the collection")]
    if out.is_html:
        properties = row.drop(columns=row.geometry.name).iloc[0].to_dict()
        return render("record.html", urls=urls, lang=lang, title=record_id, properties=properties,
                      collection_id=STATISTICS_ID)
    return GeoJSONResponse(feature_body(encoder, STATISTICS_ID, row, CRS84, links=links))

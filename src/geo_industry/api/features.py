"""GeoJSON bodies of item pages and single items, from the encoder's cached fragments."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import orjson

from geo_industry.api.links import Urls, link
from geo_industry.api.params import ItemsQuery
from geo_industry.api.responses import GEOJSON, HTML, JSON
from geo_industry.crs import SupportedCRS
from geo_industry.geojson import FeatureEncoder, feature_collection
from geo_industry.models import FeaturePage
from geo_industry.query import seek_token
from geo_industry.store.base import RecordPage

#: properties shown as table columns in the items page, when the collection has them.
TABLE_COLUMNS = ("name_{lang}", "kind", "status", "operator", "capacity_value", "capacity_unit", "area_ha",
                 "start_year", "indicator", "entity", "year", "period", "value", "unit", "basis")


def content_crs(crs: SupportedCRS) -> dict[str, str]:
    """The Part 2 ``Content-Crs`` header."""
    return {"Content-Crs": f"<{crs.uri}>"}


def paging_links(urls: Urls, page: FeaturePage | RecordPage, collection_path: str) -> list[dict[str, Any]]:
    """``self``, ``alternate``, ``next`` (until the last page), ``prev`` and ``collection`` links.

    A page in default order has its ``next`` link seek after its last feature (``after``, see
    :func:`~geo_industry.query.seek_token`) besides numbering it by ``offset``: a client following the links
    through a large layer reads each page by the index, never by skipping every row before it.
    """
    links = [link(urls.current(f=None), "self", GEOJSON, "this page"),
             link(urls.current(f="html", after=None), "alternate", HTML, "this page as HTML")]
    if page.offset + page.number_returned < page.number_matched and page.number_returned:
        after = None if page.last_key is None else seek_token(page.last_key)
        links.append(link(urls.current(f=None, offset=page.offset + page.limit, limit=page.limit, after=after),
                          "next", GEOJSON, "next page"))
    if page.offset > 0:
        links.append(link(urls.current(f=None, offset=max(page.offset - page.limit, 0), limit=page.limit,
                                       after=None), "prev", GEOJSON, "previous page"))
    links.append(link(urls.url(collection_path), "collection", JSON, "the collection"))
    return links


def html_paging(urls: Urls, page: FeaturePage) -> dict[str, str | None]:
    """URLs of the previous and next HTML pages (``None`` at either end)."""
    more = page.offset + page.number_returned < page.number_matched
    return {
        "prev": urls.current(f="html", offset=max(page.offset - page.limit, 0), limit=page.limit, after=None)
        if page.offset > 0 else None,
        "next": urls.current(f="html", offset=page.offset + page.limit, limit=page.limit, after=None)
        if more else None,
    }


def page_body(encoder: FeatureEncoder, page: FeaturePage, items: ItemsQuery, *,
              links: list[dict[str, Any]], time_stamp: str) -> bytes:
    """A FeatureCollection of the page's own rows, joined from cached per-feature fragments."""
    fragments = encoder.page(page.layer.id, page.features, crs=items.crs, source=page.crs,
                             properties=items.query.properties, skip_geometry=items.skip_geometry)
    return _collection(fragments, page, links=links, time_stamp=time_stamp)


def record_page_body(encoder: FeatureEncoder, page: RecordPage, items: ItemsQuery, *,
                     links: list[dict[str, Any]], time_stamp: str) -> bytes:
    """The FeatureCollection :func:`page_body` gives, of a page read as records (no frame)."""
    fragments = encoder.records(page.layer.id, page.ids, page.geometries, page.properties, crs=items.crs,
                                source=page.crs, properties=items.query.properties, skip_geometry=items.skip_geometry)
    return _collection(fragments, page, links=links, time_stamp=time_stamp)


def _collection(fragments: list[bytes], page: FeaturePage | RecordPage, *, links: list[dict[str, Any]],
                time_stamp: str) -> bytes:
    body = feature_collection(fragments, links=links, numberMatched=page.number_matched,
                              numberReturned=page.number_returned)
    # the time stamp goes last: the response cache writes the response time there (api.stamping)
    return body[:-1] + b',"timeStamp":' + orjson.dumps(time_stamp) + b"}"


def feature_body(encoder: FeatureEncoder, collection_id: str, row: gpd.GeoDataFrame, crs: SupportedCRS,
                 **members: Any) -> bytes:
    """One feature (``row``, the one-row frame the store returned, its geometry in ``crs``) with extra
    top-level ``members``."""
    return with_members(encoder.page(collection_id, row, crs=crs, source=crs)[0], members)


def with_members(feature: bytes, members: dict[str, Any]) -> bytes:
    """An encoded feature with extra top-level ``members`` (after its own)."""
    return feature[:-1] + b"," + orjson.dumps(members, option=orjson.OPT_SERIALIZE_NUMPY)[1:]


def table_columns(frame: gpd.GeoDataFrame, lang: str, selected: tuple[str, ...] | None) -> list[str]:
    """The columns of the HTML table: the selected properties, or the usual ones present."""
    if selected is not None:
        return [name for name in selected if name != "id"]
    wanted = [name.format(lang=lang) for name in TABLE_COLUMNS]
    return [name for name in wanted if name in frame.columns]

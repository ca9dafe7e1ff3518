"""A GeoJSON page read as records (no frame) is byte for byte the page the frame path encodes: every real
layer and the synthetic ones, in CRS84 and projected CRSs, with property selections, without geometries
(encoded without them, and read without them), with bbox, filter and sortby, from a cold and from a warm
encoder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from itertools import product
from typing import Any

import pytest
import shapely
from tests.conftest import DATA_DIR
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database, opened, with_synthetic_layers

from geo_industry.catalog import LAYER_IDS, REFERENCE_LAYER_IDS
from geo_industry.cql import parse_filter
from geo_industry.crs import CRS84, SupportedCRS, resolve_crs
from geo_industry.geojson import FeatureEncoder, feature_bytes, records_bytes
from geo_industry.json_values import load_json
from geo_industry.models import FeatureQuery, SortKey
from geo_industry.store.base import FeatureRecordSource
from geo_industry.store.postgis import PostGISReader
from geo_industry.store.postgis.frames import layer_frame, layer_records

SYNTHETIC_LAYER_IDS = ("synthetic_points", "synthetic_parcels")
CRSS = (CRS84, resolve_crs("EPSG:4326"), resolve_crs("EPSG:3405"))


@pytest.fixture(scope="module")
def reader(pg_cluster: Cluster) -> Iterator[PostGISReader]:
    url = with_synthetic_layers(loaded_database(pg_cluster, DATA_DIR, "records"), points=3000, parcels=600)
    with opened(url, PostGISReader) as store:
        yield store


def _queries(reader: PostGISReader, layer_id: str, crs: SupportedCRS) -> Iterator[FeatureQuery]:
    """Every page, a bbox, a filter, a sortby and the three together, each with all properties and a selection."""
    bbox, _ = reader.extent(layer_id)
    schema = [name for name in reader.schema(layer_id) if name != "id"]
    some = (schema[-1], "id", schema[0]) if schema else ("id",)
    middle = None if bbox is None else ((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2)
    near = None if middle is None else (bbox[0], bbox[1], *middle)
    selections: list[dict[str, Any]] = [
        {}, {"bbox": near}, {"filter": parse_filter("id <> 'nothing'")},
        {"sortby": (SortKey(schema[0], ascending=False),)} if schema else {},
        {"bbox": near, "filter": parse_filter("id > 'a'"), "sortby": (SortKey("id"),), "offset": 3},
        {"offset": 10**6},
    ]
    for selection, properties in product(selections, (None, some)):
        if selection.get("bbox", 0) is None:
            continue
        yield FeatureQuery(limit=60, crs=crs, properties=properties, **selection)


@pytest.mark.parametrize("layer_id", [*LAYER_IDS, *REFERENCE_LAYER_IDS, *SYNTHETIC_LAYER_IDS])
def test_a_record_page_encodes_to_the_bytes_of_its_frame_page(reader, layer_id):
    """With and without ``skip_geometry`` in the query (the read then takes no geometry), each path gives the
    bytes of the page read with its geometries and encoded without them."""
    assert isinstance(reader, FeatureRecordSource)
    for crs in CRSS:
        warm = FeatureEncoder()
        for full in _queries(reader, layer_id, crs):
            whole = reader.query(layer_id, full)
            for skip_geometry in (False, True):
                query = replace(full, skip_geometry=skip_geometry)
                page, records = reader.query(layer_id, query), reader.record_page(layer_id, query)
                assert (records.layer, records.matched, records.offset, records.limit, records.crs) == (
                    page.layer, page.matched, page.offset, page.limit, page.crs) == (
                    whole.layer, whole.matched, whole.offset, whole.limit, whole.crs), query
                assert records.ids == list(page.features["id"]) == list(whole.features["id"])
                assert records.last_key == page.last_key == whole.last_key
                options = {"crs": crs, "source": page.crs, "properties": query.properties,
                           "skip_geometry": skip_geometry}
                framed = FeatureEncoder().page(layer_id, whole.features, **options)
                assert FeatureEncoder().page(layer_id, page.features, **options) == framed, query
                assert FeatureEncoder().records(layer_id, records.ids, records.geometries, records.properties,
                                                **options) == framed, query
                # fragments kept by either path serve the other
                assert warm.page(layer_id, page.features, **options) == framed
                assert warm.records(layer_id, records.ids, records.geometries, records.properties,
                                    **options) == framed
                if skip_geometry:  # nothing read without geometries is kept to serve a page with them
                    assert warm.page(layer_id, whole.features, crs=crs, source=whole.crs,
                                     properties=query.properties) == FeatureEncoder().page(
                        layer_id, whole.features, crs=crs, source=whole.crs, properties=query.properties)


@pytest.mark.parametrize("layer_id", ["mines", "synthetic_parcels"])
@pytest.mark.parametrize("crs", CRSS)
def test_a_page_that_skips_geometries_reads_none_from_the_database(reader, layer_id, crs):
    """``EXPLAIN (VERBOSE)``: the page statement's output holds the geometry only when the query keeps it
    (a bbox still selects by ``geom``); the rows it reads carry ``NULL`` in its place."""
    bbox, _ = reader.extent(layer_id)
    assert bbox is not None
    for selection in ({}, {"bbox": bbox}, {"sortby": (SortKey("id", ascending=False),)}, {"properties": ("id",)}):
        for skip_geometry in (False, True):
            query = FeatureQuery(limit=5, crs=crs, skip_geometry=skip_geometry, **selection)
            statement, params = reader.page_statement(layer_id, query)
            with reader._one_statement() as conn:
                plan = [row[0] for row in conn.execute(b"EXPLAIN (VERBOSE) " + statement.as_bytes(conn), params)]
                rows = conn.execute(statement, params).fetchall()
            outputs = [line.split("Output:", 1)[1].lower() for line in plan if "Output:" in line]
            assert outputs, plan
            top = outputs[0]
            assert ("st_asbinary" in top) is not skip_geometry, (query, plan)
            if skip_geometry:
                assert not any("st_asbinary" in out or "st_transform" in out for out in outputs), plan
                assert rows and all(row[1] is None for row in rows)
                page = reader.query(layer_id, query)
                assert page.features.geometry.isna().all()
            else:
                assert any(isinstance(row[1], bytes) for row in rows)  # (a feature of no known place has none)


def test_properties_no_column_holds_are_typed_per_page_as_a_frame_types_them(reader):
    """Properties kept only in the jsonb (not declared fields): a page where some features lack one or hold an
    integer beside a float encodes as the frame of the same rows does."""
    metadata = reader._metadata()
    layer = metadata.layers["mines"]
    statement, params = reader.page_statement("mines", FeatureQuery(limit=6))
    with reader._one_statement() as conn:
        rows = [list(row) for row in conn.execute(statement, params).fetchall()]
    loose: list[dict[str, Any]] = [{"depth": 1}, {}, {"depth": 2.5, "note": "ẩn"}, {"depth": None},
                                   {"big": 2**62, "flag": True}, {"nested": {"a": [1, 2]}}]
    for row, extra in zip(rows, loose, strict=True):
        row[2] = {**(row[2] or {}), **extra}
    for chosen in (rows, rows[:1], rows[1:2], rows[4:5], []):
        ids, geometries, values = layer_records(layer, chosen)
        framed = feature_bytes(layer_frame(layer, chosen), crs=CRS84)
        assert records_bytes(ids, geometries, values, crs=CRS84) == framed
        assert list(values) == [values[i] for i in range(len(values))] == values[:] == [
            dict(row) for row in values[::1]]
        if chosen:
            assert shapely.from_wkb(geometries[0]).equals(layer_frame(layer, chosen).geometry.iloc[0])


@pytest.mark.parametrize("text", [
    b'{"a": 1, "b": -0.0, "c": 6.43, "d": "\\u1ea9n \\ud83d\\ude00", "e": [true, null, {"f": 1e22}]}',
    b'{"big": 123456789012345678901234567890, "u64": 18446744073709551616, "neg": -9223372036854775809}',
    b'{"long": 0.1234567890123456789012, "huge": 1e400, "small": 5e-324, "int63": 9223372036854775807}',
    b'[]', b'"text"', b'12', b'null',
])
def test_jsonb_is_read_as_the_standard_library_reads_it(reader, text):
    import json

    assert repr(load_json(text)) == repr(json.loads(text))
    with reader._one_statement() as conn:
        if b"1e400" not in text:  # beyond what jsonb holds
            stored = conn.execute("SELECT %s::text::jsonb", (text.decode(),)).fetchone()
            assert stored is not None
            assert repr(stored[0]) == repr(json.loads(conn.execute("SELECT %s::text::jsonb::text",
                                                                   (text.decode(),)).fetchone()[0]))

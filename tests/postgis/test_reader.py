"""The PostGIS reader serves what the embedded files serve, reads pages with the GiST index, and never
keeps or reads a large layer whole for a request."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import psycopg
import pytest
from tests.conftest import DATA_DIR
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database, opened

from geo_industry.api.state import Prepared
from geo_industry.catalog import LAYER_IDS, REFERENCE_LAYER_IDS
from geo_industry.cql import parse_filter
from geo_industry.crs import CRS84, SUPPORTED_CRS
from geo_industry.errors import CollectionNotFound, FeatureNotFound, InvalidSortBy
from geo_industry.geojson import feature_bytes, record_bytes
from geo_industry.models import FeatureQuery, SortKey
from geo_industry.store import EmbeddedStore
from geo_industry.store.postgis import Database, PostGISReader


@pytest.fixture(scope="module")
def url(pg_cluster: Cluster) -> str:
    return loaded_database(pg_cluster, DATA_DIR, "reader")


@pytest.fixture(scope="module")
def reader(url: str) -> Iterator[PostGISReader]:
    with opened(url, PostGISReader) as store:
        yield store


@pytest.fixture(scope="module")
def embedded() -> EmbeddedStore:
    return EmbeddedStore.from_directory(DATA_DIR)


def _values(column: pd.Series) -> list[object]:
    return column.astype(object).where(column.notna(), None).tolist()


@pytest.mark.parametrize("layer_id", [*LAYER_IDS, *REFERENCE_LAYER_IDS])
def test_frames_schemas_and_extents_are_those_of_the_embedded_files(reader, embedded, layer_id):
    mine, theirs = reader.frame(layer_id), embedded.frame(layer_id)
    assert list(mine.columns) == list(theirs.columns)
    for column in theirs.columns:
        assert str(mine[column].dtype) == str(theirs[column].dtype), column
        if column == theirs.geometry.name:
            assert all((a is None and b is None) or a.equals_exact(b, 0) for a, b in
                       zip(_values(mine[column]), _values(theirs[column]), strict=True))
        else:
            assert _values(mine[column]) == _values(theirs[column]), column
    assert list(reader.schema(layer_id).items()) == list(embedded.schema(layer_id).items())
    assert reader.queryables(layer_id) == embedded.queryables(layer_id)
    assert reader.extent(layer_id) == embedded.extent(layer_id)


def test_statistics_tables_are_those_of_the_files(reader, embedded):
    pd.testing.assert_frame_equal(reader.statistics[list(embedded.statistics.columns)], embedded.statistics)
    pd.testing.assert_frame_equal(reader.derived_statistics, embedded.derived_statistics)
    pd.testing.assert_frame_equal(reader.entities, embedded.entities)


def test_a_bbox_page_uses_the_gist_index(reader, url):
    """The tables are small, so the planner would rightly scan them: ``enable_seqscan = off`` asks it
    whether it can use the index at all, which is what the plan of a large layer relies on."""
    statement, params = reader.page_statement("mines", FeatureQuery(bbox=(103.9, 22.2, 104.3, 22.7), limit=10))
    with psycopg.connect(url) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute(psycopg.sql.SQL("EXPLAIN ") + statement, params).fetchall())
    assert "mines_geom_idx" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_bad_input_raises_what_the_other_backends_raise(reader):
    with pytest.raises(CollectionNotFound, match="no collection 'nope'"):
        reader.query("nope", FeatureQuery())
    with pytest.raises(FeatureNotFound, match="no feature 'nope' in collection 'mines'"):
        reader.get("mines", "nope")
    with pytest.raises(FeatureNotFound):
        reader.feature_etag("mines", "nope")
    with pytest.raises(InvalidSortBy, match="sortby"):
        reader.query("mines", FeatureQuery(sortby=(SortKey("geometry"),)))
    with pytest.raises(InvalidSortBy, match="sortby"):
        reader.query("mines", FeatureQuery(sortby=(SortKey('x" ; DROP TABLE geo_industry.mines; --'),)))
    assert reader.count("mines") == 46  # the hostile name never reached the database


@pytest.mark.parametrize("layer_id", [*LAYER_IDS, *REFERENCE_LAYER_IDS])
def test_a_feature_record_encodes_as_its_frame_row_with_its_tag(reader, layer_id):
    """The single-feature read without a frame gives the bytes the frame's row gives, in every CRS, and the tag."""
    for feature_id in reader.frame(layer_id)["id"][:40]:
        record = reader.feature_record(layer_id, feature_id)
        assert record.etag == reader.feature_etag(layer_id, feature_id)
        row = reader.get(layer_id, feature_id)
        for crs in (CRS84, SUPPORTED_CRS[-1]):
            encoded = record_bytes(record.id, record.geometry, record.properties, crs=crs)
            assert encoded == feature_bytes(row, crs=crs)[0]
    with pytest.raises(FeatureNotFound, match=f"no feature 'nope' in collection '{layer_id}'"):
        reader.feature_record(layer_id, "nope")


def test_feature_etags_are_strong_and_stable(reader):
    first = reader.feature_etag("mines", "sin-quyen-copper-mine")
    assert first.startswith('"') and first.endswith('"') and len(first) == 34
    assert reader.feature_etag("mines", "sin-quyen-copper-mine") == first
    assert reader.feature_etag("mines", "ta-phoi-copper-mine") != first


def test_a_large_layer_is_never_kept_and_the_app_never_reads_layers_whole(url):
    class CountingReader(PostGISReader):
        frames = 0

        def frame(self, layer_id):
            CountingReader.frames += 1
            return super().frame(layer_id)

    store = CountingReader(Database(url, pool_size=1), cache_max_rows=20)
    try:
        hydropower = store.frame("hydropower_plants")
        assert len(hydropower) > 20 and store.frame("hydropower_plants") is not hydropower  # streamed each time
        assert store.frame("border_gates") is store.frame("border_gates")  # small: kept for the revision
        CountingReader.frames = 0
        prepared = Prepared.of(store)
        assert CountingReader.frames == 0
        records = prepared.records.frame
        assert set(records.loc[records["entity"] == "sin-quyen-copper-mine", "entity_collection"]) == {"mines"}
    finally:
        store.close()


def test_number_matched_of_a_selection_on_every_page_and_past_its_end(reader, embedded):
    query = FeatureQuery(bbox=(103.5, 21.5, 104.5, 22.9), limit=7)
    expected = embedded.query("hydropower_plants", FeatureQuery(bbox=query.bbox, limit=1000)).matched
    assert expected > 14
    for offset in (0, 7, expected - 3, expected + 5):
        page = reader.query("hydropower_plants", FeatureQuery(bbox=query.bbox, limit=7, offset=offset))
        assert page.matched == expected, offset
        assert list(page.features["id"]) == list(embedded.query(
            "hydropower_plants", FeatureQuery(bbox=query.bbox, limit=7, offset=offset)).features["id"])


def test_number_matched_of_a_filter_on_every_page_and_past_its_end_counted_once_per_revision(reader, embedded):
    node = parse_filter("river IS NOT NULL")
    expected = embedded.query("hydropower_plants", FeatureQuery(filter=node, limit=1000)).matched
    assert expected > 14
    kept_before = len(reader.selection_counts)
    for offset in (0, 7, expected - 3, expected + 5, 7):
        page = reader.query("hydropower_plants", FeatureQuery(filter=node, limit=7, offset=offset))
        assert page.matched == expected, offset
        assert list(page.features["id"]) == list(embedded.query(
            "hydropower_plants", FeatureQuery(filter=node, limit=7, offset=offset)).features["id"])
    assert len(reader.selection_counts) == kept_before + 1  # one count for every page of the selection


def test_a_filter_page_reads_no_window_over_every_match(reader):
    statement, _ = reader.page_statement("mines", FeatureQuery(filter=parse_filter("status IS NOT NULL"), limit=10))
    assert "OVER" not in statement.as_string(None)
    statement, _ = reader.page_statement("mines", FeatureQuery(bbox=(103.9, 22.2, 104.3, 22.7), limit=10))
    assert "count(*) OVER ()" in statement.as_string(None)


def test_reads_hand_their_connection_back_as_the_pool_gave_it(url):
    """Snapshots begin read-only and single reads run in autocommit; the next user (a write) gets neither."""
    store = PostGISReader(Database(url, pool_size=1))
    try:
        store.query("mines", FeatureQuery(limit=2))
        store.query("mines", FeatureQuery(filter=parse_filter("status IS NOT NULL"), limit=2))
        store.get("mines", store.query("mines", FeatureQuery(limit=1)).features["id"].iloc[0])
        store.count("mines")
        with store.database.connection() as conn:
            assert (conn.read_only, conn.isolation_level, conn.autocommit) == (None, None, False)
            assert conn.execute("SHOW transaction_read_only").fetchone() == ("off",)
    finally:
        store.close()

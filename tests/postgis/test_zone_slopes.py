"""The zones' slope on PostGIS: the raster service's slopes kept in the database, the analysis columns scored with them.

With the fixture DEM, the materialised ``mean_slope_deg`` and ``suitability_score`` of every zone and
cluster are those of the raster service (``/analysis/zones``, ``/analysis/rankings``): the database
scores with the same Python definition. A measurement never replaces a newer one, a shape edited
after a measurement has no slope until measured again, workers measuring the same revision
write once, keeping a measurement drops the slopes of zones deleted since (not a later one's), and a
write that failed (the revision row held past its statement timeout) is retried until it is kept.
Over HTTP (two workers, the DEM configured), every zone serves the rankings' score, a filter on the
slope selects what the analysis says, and after a PATCH of a zone's geometry its slope comes back.
Without a DEM the schema says "without slope".
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from tests.conftest import DATA_DIR, DEM_TIF
from tests.editing.conftest import MERGE_PATCH, bearer
from tests.pgcluster import Cluster
from tests.postgis.databases import database_tokens, loaded_database, opened
from tests.postgis.servers import server_env, serving
from tests.waiting import wait_for

from geo_industry.raster.analysis import MeasuredSlope
from geo_industry.raster.properties import ZONE_LAYERS
from geo_industry.raster.service import RasterService
from geo_industry.store.postgis import Database, PostGISStore
from geo_industry.store.slope_writer import SlopeWriter

MOVED_ZONE = "dong-pho-moi-iz"
"""A zone without a surveyed outline, read over the 3 km disc of its estimated point: moving it moves its slope."""
MOVED_TO = [103.93, 22.52]
#: a hang guard for the background raster update and the workers hearing of it, not a performance target
FOLLOW_GUARD_S = 300.0

followed = partial(wait_for, guard_s=FOLLOW_GUARD_S, interval_s=0.1)
"""Ask until what it returns holds (the background raster update, then every worker hearing of it)."""
FRESH = {"Cache-Control": "no-cache"}


def _columns(url: str) -> dict[str, tuple[float | None, float | None]]:
    """Zone id → (mean_slope_deg, suitability_score) as the database holds them."""
    union = " UNION ALL ".join(f"SELECT id, mean_slope_deg, suitability_score FROM geo_industry.{layer}"
                               for layer in ZONE_LAYERS)
    with psycopg.connect(url) as conn:
        return {row[0]: (row[1], row[2]) for row in conn.execute(union)}  # type: ignore[arg-type]


def _expected(service: RasterService) -> dict[str, tuple[float | None, float | None]]:
    """Zone id → (mean slope, balanced score rounded as served) as the raster service and its rankings say."""
    scores = {zone.zone_id: zone.score for zone in service.ranking("balanced").zones}
    return {a.zone_id: (a.mean_slope_deg, None if scores[a.zone_id] is None else round(scores[a.zone_id], 1))
            for a in service.assessments}


def _revision(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT value FROM geo_industry.revision").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def url(pg_cluster: Cluster) -> str:
    return loaded_database(pg_cluster, DATA_DIR, "slopes")


@pytest.fixture
def store(url: str) -> Iterator[PostGISStore]:
    with opened(url, PostGISStore) as store:
        yield store


@pytest.fixture(scope="module")
def raster_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("slope-rasters")


def _measured(store: PostGISStore, raster_dir: Path) -> tuple[RasterService, list[MeasuredSlope]]:
    service = RasterService(out_dir=raster_dir, dem_path=DEM_TIF)
    service.update(store)
    slopes = service.measured_slopes(store.revision())
    assert slopes is not None, "the service did not measure the slope with the DEM"
    return service, slopes


# the store -------------------------------------------------------------------------------------------------
def test_without_a_dem_the_schema_says_without_slope(store: PostGISStore, url: str) -> None:
    fields = {spec.name: spec for spec in store.collection("industrial_zones").fields}
    assert "without slope" in (fields["suitability_score"].description or "")
    assert all(slope is None for slope, _ in _columns(url).values())


def test_kept_slopes_score_every_zone_as_the_rankings_do(store: PostGISStore, url: str, raster_dir: Path) -> None:
    service, slopes = _measured(store, raster_dir)
    before = _revision(url)
    assert store.keep_zone_slopes(store.revision(), slopes)
    assert _revision(url) == before + 1
    expected = _expected(service)
    assert any(slope is not None for slope, _ in expected.values()), "the DEM gives no zone a slope"
    assert _columns(url) == expected  # SQL columns == the Python rankings, for every zone
    fields = {spec.name: spec for spec in store.collection("industrial_zones").fields}
    assert "without slope" not in (fields["suitability_score"].description or "")
    assert "mean slope" in (fields["suitability_score"].description or "")


def test_workers_keeping_the_same_slopes_write_once(url: str, store: PostGISStore, raster_dir: Path) -> None:
    _, slopes = _measured(store, raster_dir)
    revision, before = store.revision(), _revision(url)
    others = [PostGISStore(Database(url, pool_size=1)) for _ in range(3)]
    results: list[bool] = []
    start = threading.Barrier(len(others))

    def keep(worker: PostGISStore) -> None:
        start.wait()
        results.append(worker.keep_zone_slopes(revision, slopes))

    threads = [threading.Thread(target=keep, args=(worker,)) for worker in others]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for worker in others:
            worker.close()
    assert sorted(results) == [False, False, True]
    assert _revision(url) == before + 1


def test_a_late_measurement_never_replaces_a_newer_one(store: PostGISStore, url: str, raster_dir: Path) -> None:
    _, slopes = _measured(store, raster_dir)
    zone = next(s for s in slopes if s.mean_slope_deg is not None)
    newer = MeasuredSlope(zone.layer_id, zone.zone_id, zone.inputs, 1.0)
    older = MeasuredSlope(zone.layer_id, zone.zone_id, zone.inputs, 2.0)
    revision = store.revision()
    assert store.keep_zone_slopes(revision + 5, [newer])
    assert not store.keep_zone_slopes(revision, [older])
    assert _columns(url)[zone.zone_id][0] == 1.0


def test_an_edited_shape_has_no_slope_until_measured_again(store: PostGISStore, url: str, raster_dir: Path) -> None:
    service, slopes = _measured(store, raster_dir)
    assert store.keep_zone_slopes(store.revision(), slopes)
    kept = _columns(url)
    assert kept[MOVED_ZONE][0] is not None
    store.update_feature("industrial_zones", MOVED_ZONE, {"geometry": {"type": "Point", "coordinates": MOVED_TO}},
                         actor="planner")
    edited = _columns(url)
    assert edited[MOVED_ZONE][0] is None, "a slope measured over the old shape was kept for the new one"
    assert {k: v for k, v in edited.items() if k != MOVED_ZONE} == {k: v for k, v in kept.items() if k != MOVED_ZONE}
    assert not store.keep_zone_slopes(store.revision() - 1, slopes), "the old shape's slope came back"

    service, slopes = _measured(store, raster_dir)
    assert store.keep_zone_slopes(store.revision(), slopes)
    assert _columns(url) == _expected(service)
    assert _columns(url)[MOVED_ZONE][0] is not None


def test_a_failed_slope_write_is_retried_until_the_slopes_are_kept(store: PostGISStore, url: str,
                                                                   raster_dir: Path) -> None:
    _, slopes = _measured(store, raster_dir)
    writer = SlopeWriter()
    impatient = PostGISStore(Database(url, pool_size=1, statement_timeout_s=0.2))
    try:
        with psycopg.connect(url) as holder:
            # the revision row held: the write waits for it past its statement timeout, and fails
            holder.execute("SELECT value FROM geo_industry.revision FOR UPDATE")
            writer.keep(impatient, store.revision(), slopes)
            assert writer.failures == 1
            assert not _kept(url)
        # the row released (the holder's transaction ended): a retry keeps the slopes, no new write needed
        kept = wait_for(lambda: _kept(url), lambda kept: len(kept) == len(slopes), guard_s=FOLLOW_GUARD_S)
        assert kept.keys() == {(s.layer_id, s.zone_id) for s in slopes}
    finally:
        writer.close()
        impatient.close()


# over HTTP -------------------------------------------------------------------------------------------------
def _served(http: httpx.Client, **params: str) -> dict[str, dict[str, Any]]:
    """Zone id → properties of every zone and cluster as the items lists serve them."""
    out = {}
    for layer in ZONE_LAYERS:
        response = http.get(f"/collections/{layer}/items", params={"limit": "1000", **params}, headers=FRESH)
        assert response.status_code == 200, response.text[:300]
        out.update({f["id"]: f["properties"] for f in response.json()["features"]})
    return out


def _analysis(http: httpx.Client) -> dict[str, tuple[float | None, float | None]]:
    """Zone id → (mean slope, balanced score) from ``/analysis/zones`` and ``/analysis/rankings``."""
    zones = http.get("/analysis/zones", headers=FRESH).json()["features"]
    ranking = http.get("/analysis/rankings", params={"profile": "balanced"}, headers=FRESH).json()["features"]
    scores = {f["id"]: f["properties"]["score"] for f in ranking}
    return {f["id"]: (f["properties"]["mean_slope_deg"], scores[f["id"]]) for f in zones}


def _agrees(served: dict[str, dict[str, Any]], analysis: dict[str, tuple[float | None, float | None]]) -> bool:
    """Whether every zone serves the analysis' slope and (rounded as served) score."""
    return served.keys() == analysis.keys() and all(
        served[z]["mean_slope_deg"] == slope
        and (score is None) == (served[z]["suitability_score"] is None)
        and (score is None or abs(served[z]["suitability_score"] - score) <= 0.051)
        for z, (slope, score) in analysis.items())


@pytest.fixture(scope="module")
def server(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Two workers over a loaded database with the fixture DEM and editing; yields its URL and a write token."""
    folder = tmp_path_factory.mktemp("pg-slopes")
    url = loaded_database(pg_cluster, DATA_DIR, "slopes_http")
    token = database_tokens(url)["features:write"]
    with serving(server_env(url, folder, editing="true", dem_path=str(DEM_TIF)), folder, workers=2) as running:
        yield running.url, token
        log = running.log()
    assert "Traceback" not in log, log[-3000:]


def test_every_zone_serves_the_rankings_slope_and_score(server: tuple[str, str]) -> None:
    with httpx.Client(base_url=server[0], timeout=120) as http:
        analysis = _analysis(http)  # waits for the raster service's start-up build
        assert any(slope is not None for slope, _ in analysis.values()), "the DEM gives no zone a slope"
        served = followed(lambda: _served(http), lambda served: _agrees(served, analysis))
        item = http.get(f"/collections/industrial_zones/items/{MOVED_ZONE}", headers=FRESH).json()["properties"]
        assert item["mean_slope_deg"] is not None, "the single item serves no slope"
        assert (item["mean_slope_deg"], item["suitability_score"]) == (
            served[MOVED_ZONE]["mean_slope_deg"], served[MOVED_ZONE]["suitability_score"])
        queryables = http.get("/collections/industrial_zones/queryables",
                              headers={"Accept": "application/schema+json", **FRESH}).json()["properties"]
        assert "mean slope" in queryables["suitability_score"]["description"]
        assert queryables["mean_slope_deg"]["type"] == "number"


def test_a_filter_on_the_slope_selects_what_the_analysis_says(server: tuple[str, str]) -> None:
    with httpx.Client(base_url=server[0], timeout=120) as http:
        analysis = _analysis(http)
        followed(lambda: _served(http), lambda served: _agrees(served, analysis))
        expected = {z for z, (slope, score) in analysis.items()
                    if slope is not None and slope < 15 and score is not None and round(score, 1) > 50}
        assert expected, "the filter selects no zone in the data"
        selected = _served(http, filter="mean_slope_deg < 15 AND suitability_score > 50")
        assert selected.keys() == expected
        ordered = http.get("/collections/industrial_zones/items",
                           params={"sortby": "-mean_slope_deg", "limit": "1000"}).json()["features"]
        slopes = [f["properties"]["mean_slope_deg"] for f in ordered if f["properties"]["mean_slope_deg"] is not None]
        assert slopes and slopes == sorted(slopes, reverse=True)


def test_after_a_patch_of_a_zone_geometry_the_slope_comes_back(server: tuple[str, str]) -> None:
    url, token = server
    item = f"/collections/industrial_zones/items/{MOVED_ZONE}"
    with httpx.Client(base_url=url, timeout=120) as http:
        before = followed(lambda: _served(http)[MOVED_ZONE], lambda p: p["mean_slope_deg"] is not None)
        etag = http.get(item, headers=FRESH).headers["etag"]
        patched = http.patch(item, json={"geometry": {"type": "Point", "coordinates": MOVED_TO}},
                             headers={**MERGE_PATCH, **bearer(token), "If-Match": etag})
        assert patched.status_code == 204, patched.text
        after = followed(lambda: (_served(http), _analysis(http)),
                            lambda pair: pair[0][MOVED_ZONE]["mean_slope_deg"] is not None and _agrees(*pair))
        assert after[0][MOVED_ZONE]["mean_slope_deg"] != before["mean_slope_deg"], "the slope of the old shape"


def _kept(url: str) -> dict[tuple[str, str], int]:
    """(layer, zone) → the revision of its kept slope, as the ``zone_slopes`` table holds them."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT layer_id, feature_id, revision FROM geo_industry.zone_slopes").fetchall()
    return {(layer, zone): revision for layer, zone, revision in rows}


def test_slopes_of_deleted_zones_are_dropped_when_new_ones_are_kept(store: PostGISStore, url: str,
                                                                    raster_dir: Path) -> None:
    _, slopes = _measured(store, raster_dir)
    assert store.keep_zone_slopes(store.revision(), slopes)
    assert ("industrial_zones", MOVED_ZONE) in _kept(url)
    store.delete_feature("industrial_zones", MOVED_ZONE, actor="planner")
    assert ("industrial_zones", MOVED_ZONE) in _kept(url)  # until a measurement without it is kept

    _, remeasured = _measured(store, raster_dir)
    assert MOVED_ZONE not in {s.zone_id for s in remeasured}
    store.keep_zone_slopes(store.revision(), remeasured)
    assert _kept(url).keys() == {(s.layer_id, s.zone_id) for s in remeasured}, "a deleted zone's slope stayed"

    survivor = next(s for s in remeasured if s.mean_slope_deg is not None)
    later = store.revision() + 5
    assert store.keep_zone_slopes(later, [MeasuredSlope(survivor.layer_id, survivor.zone_id, survivor.inputs, 1.0)])
    store.keep_zone_slopes(store.revision(), remeasured)  # a measurement older than ``later``
    kept = _kept(url)
    assert kept[(survivor.layer_id, survivor.zone_id)] == later, "a later measurement's slope was dropped"
    assert kept.keys() == {(s.layer_id, s.zone_id) for s in remeasured}

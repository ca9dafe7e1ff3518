"""Hostile writes, uploads and secrets against the real server (uvicorn on a loopback port, editing on).

Each case is a request a token holder (or anyone, for the query-string cases) could send, with
the status it must get and a time bound (the client's timeout: a slower answer fails the case).
After every case ``/health`` must still say ``ok`` and, at the end, every acknowledged write must
still be there: nothing refused may change what is stored, nothing accepted may be lost.
"""

from __future__ import annotations

import io
import json
import sqlite3
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import pytest
from shapely.geometry import Point
from tests.conftest import DATA_DIR
from tests.editing.conftest import bearer, create_tokens, running_server

from geo_industry.api.auth import redacted
from geo_industry.store.sqlite import SQLiteStore

MINE = "/collections/mines/items/vi-kem-copper-mine"
PATCH = {"Content-Type": "application/merge-patch+json", "If-Match": "*"}
#: the time bound of one hostile request (seconds): generous for a shared 2-core machine, far
#: below what the unguarded inputs took (minutes, or a crash)
BOUND_S = 20.0

MARS_PRJ = ('GEOGCS["Mars 2000",DATUM["D_Mars_2000",SPHEROID["Mars_2000_IAU_IAG",3396190.0,169.894447223612]],'
            'PRIMEM["Greenwich",0],UNIT["Decimal_Degree",0.0174532925199433]]')
LOCAL_PRJ = 'LOCAL_CS["arbitrary",LOCAL_DATUM["x",0],UNIT["metre",1],AXIS["X",EAST],AXIS["Y",NORTH]]'
SCALE_ZERO_PRJ = (
    'PROJCS["bad",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",105],PARAMETER["scale_factor",0],'
    'PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1]]')
SITES = gpd.GeoDataFrame({"id": ["hostile-a", "hostile-b"], "name": ["A", "B"], "start_year": [2001, 2002]},
                         geometry=[Point(104.0, 22.3), Point(104.1, 22.4)], crs="EPSG:4326")


@dataclass
class Server:
    """The running server, its store and the tokens on it."""

    url: str
    store_path: Path
    tokens: dict[str, str]
    work: Path
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.url, timeout=BOUND_S)

    def writer(self) -> dict[str, str]:
        return bearer(self.tokens["all"])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("hostile")
    store_path = work / "store.sqlite"
    SQLiteStore.open(store_path, seed_dir=DATA_DIR).close()
    tokens = create_tokens(store_path)
    with running_server(store_path) as (url, _process):
        running = Server(url, store_path, tokens, work)
        yield running
        running.client.close()


# building hostile uploads -----------------------------------------------------------------------
def _metadata(layer_id: str, **extra: Any) -> str:
    return json.dumps({"id": layer_id, "title": {"vi": "Thử", "en": "Test"}, "description": {"vi": "Thử", "en": "Test"},
                       "licence": "CC-BY-4.0", "attribution": "tests", **extra})


def _shapefile(work: Path, prj: str | None, *, dbf_records: int | None = None) -> bytes:
    folder = work / f"shp-{abs(hash((prj, dbf_records)))}"
    folder.mkdir(exist_ok=True)
    SITES.to_file(folder / "sites.shp", engine="pyogrio")
    if dbf_records is not None:  # a header that claims more records than the file holds
        dbf = bytearray((folder / "sites.dbf").read_bytes())
        dbf[4:8] = dbf_records.to_bytes(4, "little")
        (folder / "sites.dbf").write_bytes(bytes(dbf))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for suffix in (".shp", ".shx", ".dbf"):
            archive.write(folder / f"sites{suffix}", f"sites{suffix}")
        archive.writestr("sites.prj", prj if prj is not None else (folder / "sites.prj").read_text())
    return buffer.getvalue()


def _view_bomb(work: Path) -> bytes:
    """A small GeoPackage whose only layer is a recursive view of 3,000,000 rows."""
    path = work / "bomb.gpkg"
    SITES.to_file(path, engine="pyogrio", layer="sites")
    con = sqlite3.connect(path)
    con.execute("CREATE VIEW bomb AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                "WHERE x < 3000000) SELECT x AS fid, 'b' || x AS id, (SELECT geom FROM sites LIMIT 1) AS geom FROM c")
    con.execute("UPDATE gpkg_contents SET table_name = 'bomb' WHERE table_name = 'sites'")
    con.commit()
    con.close()
    return path.read_bytes()


def _trigger_gpkg(work: Path) -> bytes:
    path = work / "trigger.gpkg"
    SITES.to_file(path, engine="pyogrio", layer="sites")
    con = sqlite3.connect(path)
    con.execute("CREATE TRIGGER evil AFTER INSERT ON sites BEGIN DELETE FROM sites; END")
    con.commit()
    con.close()
    return path.read_bytes()


def _geojson(**properties: Any) -> bytes:
    feature = {"type": "Feature", "properties": {"id": "hostile-g", **properties},
               "geometry": {"type": "Point", "coordinates": [104.0, 22.3]}}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


# the corpus ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One hostile request: how to send it, the status it must get, a text the answer must hold."""

    id: str
    send: Callable[[Server], httpx.Response]
    status: int
    says: str = ""


def _patch(properties: Any = None, raw: str | None = None) -> Callable[[Server], httpx.Response]:
    def send(server: Server) -> httpx.Response:
        body = raw if raw is not None else json.dumps({"properties": properties})
        return server.client.patch(MINE, content=body, headers={**server.writer(), **PATCH})
    return send


def _statistics(**row: Any) -> Callable[[Server], httpx.Response]:
    base = {"indicator": "copper_cathode_output", "entity": "vi-kem-copper-mine", "year": "2031", "period": "Q1",
            "value": "1", "unit": "t", "basis": "actual", "price_basis": "n/a",
            "source": "https://example.org/report", "note": ""}

    def send(server: Server) -> httpx.Response:
        return server.client.post("/collections/statistics/items", json=[{**base, **row}], headers=server.writer())
    return send


def _upload(content: Callable[[Path], bytes], metadata: str) -> Callable[[Server], httpx.Response]:
    def send(server: Server) -> httpx.Response:
        return server.client.post("/collections", files={"file": ("layer.bin", content(server.work))},
                                  data={"metadata": metadata}, headers=bearer(server.tokens["layers:write"]))
    return send


def _get(path: str, **params: str) -> Callable[[Server], httpx.Response]:
    def send(server: Server) -> httpx.Response:
        values = {k: v.replace("{token}", server.tokens["all"]) for k, v in params.items()}
        return server.client.get(path, params=values)
    return send


DEEP = "[" * 1000 + "]" * 1000
CASES = [
    # item 4: values that used to be stored and then broke every read and the restart
    Case("array-field-as-text", _patch({"capacity_alternatives": "[oops"}), 422, "capacity_alternatives"),
    Case("year-1e30", _patch({"start_year": 1e30}), 422, "start_year"),
    Case("year-3000", _patch({"start_year": 3000}), 422, "start_year"),
    Case("year-fraction", _patch({"start_year": 2001.5}), 422, "start_year"),
    Case("number-1e400", _patch(raw='{"properties": {"capacity_value": 1e400}}'), 400, "JSON"),
    Case("number-nan", _patch(raw='{"properties": {"capacity_value": NaN}}'), 400, "JSON"),
    Case("number-as-bool", _patch({"area_ha": True}), 422, "area_ha"),
    Case("string-as-object", _patch({"name_en": {"a": 1}}), 422, "name_en"),
    Case("alternatives-of-arrays", _patch({"capacity_alternatives": [["x"]]}), 422, "capacity_alternatives"),
    Case("alternative-unknown-key", _patch({"area_ha_alternatives": [{"value": 1, "onclick": "x"}]}), 422,
         "area_ha_alternatives"),
    Case("invalid-date", _patch({"as_of": "2024-02-30"}), 422, "as_of"),
    Case("huge-text", _patch({"capacity_note": "x" * 100_000}), 422, "capacity_note"),
    Case("properties-not-object", _patch(raw='{"properties": "x"}'), 422, "properties"),
    # item 6's storable half: no scheme but http(s) can be stored
    Case("javascript-source", _patch({"sources": ["javascript:alert(document.cookie)"]}), 422, "sources"),
    Case("sources-as-string", _patch({"sources": "https://example.org"}), 422, "sources"),
    Case("data-url-source", _patch({"sources": ["data:text/html,<script>alert(1)</script>"]}), 422, "sources"),
    Case("javascript-alternative-source",
         _patch({"capacity_alternatives": [{"value": 1, "source": " \tjavascript:alert(1)", "note": ""}]}), 422,
         "source"),
    Case("javascript-statistics-source", _statistics(source="javascript:alert(1)"), 422, "source"),
    Case("statistics-year-1e30", _statistics(year="1e30"), 422, "year"),
    Case("statistics-value-infinite", _statistics(value="1e400"), 422, "value"),
    # item 7: depth, uploads
    Case("patch-1000-deep", _patch(raw=json.dumps({"properties": {"capacity_note": 0}}).replace("0", DEEP)), 400,
         "deep"),
    Case("patch-5000-deep", _patch(raw='{"properties": {"capacity_note": ' + "[" * 5000 + "]" * 5000 + "}}"), 400,
         "JSON"),
    Case("gpkg-recursive-view-3M", _upload(_view_bomb, _metadata("bomb")), 400, "view"),
    Case("gpkg-foreign-trigger", _upload(_trigger_gpkg, _metadata("trig")), 400, "trigger"),
    Case("prj-mars", _upload(lambda w: _shapefile(w, MARS_PRJ), _metadata("mars")), 400, "sites.prj"),
    Case("prj-local-cs", _upload(lambda w: _shapefile(w, LOCAL_PRJ), _metadata("local")), 400, "sites.prj"),
    Case("prj-scale-factor-0", _upload(lambda w: _shapefile(w, SCALE_ZERO_PRJ), _metadata("sf0")), 400,
         "sites.prj"),
    Case("prj-nadgrids-etc-passwd",
         _upload(lambda w: _shapefile(w, "+proj=longlat +datum=WGS84 +nadgrids=/etc/passwd +no_defs"),
                 _metadata("grids")), 400, "sites.prj"),
    Case("prj-init-file", _upload(lambda w: _shapefile(w, "+init=epsg:4326"), _metadata("init")), 400, "sites.prj"),
    Case("prj-grid-list", _upload(lambda w: _shapefile(w, "+proj=longlat +nadgrids=@null,@/tmp/x.gsb"),
                                  _metadata("grid_list")), 400, "sites.prj"),
    Case("prj-not-a-crs", _upload(lambda w: _shapefile(w, "NOT A CRS"), _metadata("garbage")), 400, "sites.prj"),
    Case("dbf-header-claims-1e9-records", _upload(lambda w: _shapefile(w, None, dbf_records=10**9),
                                                  _metadata("many")), 413, ".dbf"),
    Case("geojson-crs-file-link",
         _upload(lambda w: _geojson()[:-1] + b', "crs": {"type": "name", "properties": {"name": "/etc/passwd"}}}',
                 _metadata("link")), 400, "crs"),
    Case("metadata-temporal-field-missing", _upload(lambda w: _geojson(), _metadata("tf", temporal_field="nope")),
         400, "temporal_field"),
    Case("metadata-javascript-source",
         _upload(lambda w: _geojson(), _metadata("js", sources=["javascript:alert(1)"])), 400, "sources"),
    Case("metadata-types-text-as-object",
         _upload(lambda w: _geojson(name="plain text"), _metadata("obj", fields=[
             {"name": "id", "type": "string", "required": True}, {"name": "name", "type": "object"}])), 422, "name"),
    Case("metadata-1000-deep", _upload(lambda w: _geojson(), _metadata("deep")[:-1] + ', "x": ' + DEEP + "}"), 400,
         "deep"),
    # item 8: credentials in a query string
    Case("access-token-in-query", _get("/collections", access_token="{token}"), 400, "access_token"),
    Case("token-under-other-name", _get("/collections/mines/items", q="{token}"), 400, "query string"),
    Case("api-key-in-query", _get("/health", api_key="x"), 400, "api_key"),
]


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_input_is_refused_and_the_server_stays_healthy(server: Server, case: Case) -> None:
    before = server.client.get(MINE)
    response = case.send(server)  # a slower answer than BOUND_S raises httpx.ReadTimeout
    assert response.status_code == case.status, response.text
    description = response.json()["description"]
    assert case.says in description
    assert server.tokens["all"] not in response.text and server.tokens["layers:write"] not in response.text
    health = server.client.get("/health").json()
    assert health["status"] == "ok", health
    after = server.client.get(MINE)
    assert after.status_code == 200 and after.headers["etag"] == before.headers["etag"]  # nothing refused changed it


@pytest.mark.slow
def test_acknowledged_writes_survive_the_corpus(server: Server) -> None:
    etag = server.client.get(MINE).headers["etag"]
    response = server.client.patch(MINE, json={"properties": {"capacity_note": "checked after the corpus"}},
                                   headers={**server.writer(), **PATCH, "If-Match": etag})
    assert response.status_code == 204, response.text
    for case in CASES[:5]:
        case.send(server)
    assert server.client.get(MINE).json()["properties"]["capacity_note"] == "checked after the corpus"
    assert server.client.get("/health").json()["status"] == "ok"


@pytest.mark.slow
def test_an_upload_without_sources_renders_and_answers_datetime(server: Server) -> None:
    response = _upload(lambda w: _geojson(start_year=2010), _metadata("bare_upload", temporal_field="start_year",
                       fields=[{"name": "id", "type": "string", "required": True},
                               {"name": "start_year", "type": "integer"}]))(server)
    assert response.status_code == 201, response.text
    assert server.client.get("/collections/bare_upload/items/hostile-g", params={"f": "html"}).status_code == 200
    assert server.client.get("/collections/bare_upload/items", params={"f": "html"}).status_code == 200
    found = server.client.get("/collections/bare_upload/items", params={"datetime": "2010-01-01/2011-01-01"}).json()
    assert [f["id"] for f in found["features"]] == ["hostile-g"]


def test_the_store_and_its_wal_are_private(server: Server) -> None:
    for path in server.store_path.parent.glob(f"{server.store_path.name}*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_credentials_are_redacted_from_access_log_lines() -> None:
    line = redacted("GET /collections?access_token=gi_0123456789ab_" + "s" * 40 + "&f=json HTTP/1.1")
    assert "s" * 40 not in line and "f=json" in line
    assert "s" * 40 not in redacted("/items?q=gi_0123456789ab_" + "s" * 40)


# kill and restart with a bad row ----------------------------------------------------------------
def _seeded_feature(layer_id: str, feature_id: str) -> dict[str, Any]:
    layer = json.loads((DATA_DIR / "geo" / f"{layer_id}.geojson").read_text(encoding="utf-8"))
    return next({**f, "id": feature_id} for f in layer["features"] if f["properties"]["id"] == feature_id)


TA_PHOI = _seeded_feature("mines", "ta-phoi-copper-mine")


def _damage(store_path: Path) -> None:
    """Write what older versions let through, straight into the store (as a manual SQL edit would)."""
    con = sqlite3.connect(store_path)
    row = con.execute("SELECT properties FROM features WHERE id = 'vi-kem-copper-mine'").fetchone()
    properties = json.loads(row[0])
    properties.update(capacity_alternatives="[oops", start_year=1e30)
    con.execute("UPDATE features SET properties = ? WHERE id = 'vi-kem-copper-mine'", (json.dumps(properties),))
    con.execute("UPDATE features SET geometry = '{\"type\": \"Point\"' WHERE id = 'sin-quyen-copper-mine'")
    con.execute("UPDATE features SET properties = '{\"id\": \"ta-phoi' WHERE id = 'ta-phoi-copper-mine'")
    con.commit()
    con.close()


@pytest.mark.slow
def test_a_bad_row_is_quarantined_at_start_up_and_repaired_through_the_api(tmp_path: Path) -> None:
    store_path = tmp_path / "store.sqlite"
    SQLiteStore.open(store_path, seed_dir=DATA_DIR).close()
    tokens = create_tokens(store_path)
    _damage(store_path)
    with running_server(store_path) as (url, _process), httpx.Client(base_url=url, timeout=BOUND_S) as client:
        health = client.get("/health").json()
        assert health["status"] == "degraded"
        quarantined = {row["featureId"]: row["reason"] for row in health["quarantined"]}
        assert "capacity_alternatives" in quarantined["vi-kem-copper-mine"]
        assert "geometry" in quarantined["sin-quyen-copper-mine"]
        assert client.get("/collections").status_code == 200
        assert client.get("/collections/mines/items", params={"limit": 100}).status_code == 200
        assert client.get("/collections/mines/items", params={"f": "html"}).status_code == 200
        assert client.get(MINE).status_code == 404  # left out of reads, not served half-broken
        headers = {**bearer(tokens["all"]), **PATCH}
        repaired = client.patch(MINE, json={"properties": {"capacity_alternatives": None, "start_year": 2008}},
                                headers=headers)
        assert repaired.status_code == 204, repaired.text
        geometry = {"type": "Point", "coordinates": [103.95, 22.58]}
        fixed = client.patch("/collections/mines/items/sin-quyen-copper-mine", json={"geometry": geometry},
                             headers=headers)
        assert fixed.status_code == 204, fixed.text
        assert "not JSON" in client.get("/health").json()["quarantined"][0]["reason"]
        patched = client.patch("/collections/mines/items/ta-phoi-copper-mine", json={"properties": {}},
                               headers=headers)
        assert patched.status_code == 422 and "PUT" in patched.json()["description"]  # nothing to merge onto
        replaced = client.put("/collections/mines/items/ta-phoi-copper-mine", json=TA_PHOI,
                              headers={**bearer(tokens["all"]), "If-Match": "*"})
        assert replaced.status_code == 204, replaced.text
        assert client.get("/health").json()["status"] == "ok"
        assert client.get(MINE).json()["properties"]["start_year"] == 2008
    with running_server(store_path) as (url, _process):  # and after a restart
        assert httpx.get(f"{url}/health", timeout=BOUND_S).json()["status"] == "ok"

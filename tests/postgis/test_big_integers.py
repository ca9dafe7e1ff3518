"""Integers past 64 bits: refused at every door with the feature, field and limit named; one stored before the
rule (put in by SQL) is served as its digits, never a 500 for the page or the other features.

Both editable backends (SQLite, PostGIS) are served by a real uvicorn process over real HTTP.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import httpx
import psycopg
import pytest
from shapely.geometry import Point
from tests.editing.conftest import bearer, create_tokens, running_server
from tests.pgcluster import Cluster
from tests.postgis.databases import data_with_odd_sites, database_tokens, new_database

from geo_industry.errors import DataError
from geo_industry.store.postgis.connections import Database
from geo_industry.store.postgis.loading import load_data
from geo_industry.store.sqlite import SQLiteStore

BIG = 123456789012345678901234567890
SITES = [
    {"type": "Feature", "id": "a", "properties": {"id": "a", "info": {"k": 1}, "tags": ["x"], "n": 3},
     "geometry": {"type": "Point", "coordinates": [104.0, 22.0]}},
    {"type": "Feature", "id": "b", "properties": {"id": "b", "info": None, "tags": None, "n": 4},
     "geometry": {"type": "Point", "coordinates": [104.1, 22.1]}},
]
ITEMS = "/collections/odd_sites/items"
#: a feature with an integer past 64 bits in a nested value (typed fields refuse large numbers anyway)
BIG_IN_TAGS = (b'{"type": "Feature", "id": "c", "properties": {"id": "c", "tags": [1, ' + str(BIG).encode()
               + b']}, "geometry": {"type": "Point", "coordinates": [104.2, 22.2]}}')


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return data_with_odd_sites(tmp_path_factory.mktemp("bigint"), SITES)


@pytest.fixture(scope="module")
def postgis(pg_cluster: Cluster, data: Path) -> Iterator[tuple[str, str, Path]]:
    """A server over a database holding ``data``, where feature a's ``info`` got a huge integer by SQL."""
    url = new_database(pg_cluster, "bigint")
    with Database(url, pool_size=1) as database:
        load_data(database, data)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"""UPDATE geo_industry.odd_sites SET info = '{{"big": {BIG}}}',
                         properties = properties || '{{"info": {{"big": {BIG}}}}}'::jsonb WHERE id = 'a'""")
    token = database_tokens(url)["all"]
    folder = data.parent / "pg"
    folder.mkdir()
    env = {"GEO_INDUSTRY_STORE_BACKEND": "postgis", "GEO_INDUSTRY_DATABASE_URL": url,
           "GEO_INDUSTRY_DATA_DIR": str(data)}
    with running_server(folder / "keys.sqlite", startup_timeout=300, env=env) as (server, process):
        yield server, token, folder


@pytest.fixture(scope="module")
def sqlite(data: Path) -> Iterator[tuple[str, str, Path]]:
    """A server over an SQLite store seeded from ``data``, where feature a's ``info`` got a huge integer by SQL."""
    folder = data.parent / "sqlite"
    folder.mkdir()
    store_path = folder / "store.sqlite"
    SQLiteStore.open(store_path, seed_dir=data)
    properties = json.dumps({**SITES[0]["properties"], "info": {"big": BIG}})
    with closing(sqlite3.connect(store_path)) as con, con:
        con.execute("UPDATE features SET properties = ? WHERE layer_id = 'odd_sites' AND id = 'a'", (properties,))
    token = create_tokens(store_path)["all"]
    with running_server(store_path, env={"GEO_INDUSTRY_DATA_DIR": str(data)}) as (server, _):
        yield server, token, folder


def _refused(server: str, token: str) -> None:
    with httpx.Client(base_url=server, timeout=60, headers=bearer(token)) as http:
        created = http.post(ITEMS, content=BIG_IN_TAGS, headers={"Content-Type": "application/geo+json"})
        assert created.status_code in (400, 422), created.text
        description = created.json()["description"]
        assert "tags" in description and "[1]" in description and "64-bit range" in description, description
        etag = http.get(f"{ITEMS}/a", headers={"Cache-Control": "no-cache"}).headers["ETag"]
        patched = http.patch(f"{ITEMS}/a", content=b'{"properties": {"info": {"k": ' + str(BIG).encode() + b"}}}",
                             headers={"Content-Type": "application/merge-patch+json", "If-Match": etag})
        assert patched.status_code in (400, 422), patched.text
        assert "info" in patched.json()["description"] and "64-bit range" in patched.json()["description"]
        assert http.get(f"{ITEMS}/c").status_code == 404  # nothing was stored
        assert http.get(f"{ITEMS}/a").json()["properties"]["info"] != {"k": float(BIG)}


def _upload_refused(server: str, token: str) -> None:
    layer = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "u1", "info": {"deep": [BIG]}},
         "geometry": {"type": "Point", "coordinates": [104.0, 22.0]}}]}
    metadata = {"id": "huge_upload", "title": {"vi": "Thử", "en": "Test"}, "description": {"vi": "-", "en": "-"},
                "licence": "CC0-1.0", "attribution": "tests"}
    with httpx.Client(base_url=server, timeout=60, headers=bearer(token)) as http:
        uploaded = http.post("/collections", files={"file": ("layer.geojson", json.dumps(layer).encode())},
                             data={"metadata": json.dumps(metadata)})
        assert uploaded.status_code in (400, 422), uploaded.text
        description = uploaded.json()["description"]
        assert "feature u1" in description and "info.deep[0]" in description and "64-bit range" in description
        fields = [{"name": "id", "type": "string"}, {"name": "n", "type": "integer", "enum": [1, BIG]}]
        layer["features"][0]["properties"] = {"id": "u1", "n": 1}
        uploaded = http.post("/collections", files={"file": ("layer.geojson", json.dumps(layer).encode())},
                             data={"metadata": json.dumps({**metadata, "fields": fields})})
        assert uploaded.status_code in (400, 422), uploaded.text
        assert "fields[1].enum[1]: integer out of the 64-bit range" in uploaded.json()["description"]
        uploaded = http.post("/collections", files={"file": ("layer.gpkg", _geopackage({"deep": [BIG]}))},
                             data={"metadata": json.dumps({**metadata, "fields": [
                                 {"name": "id", "type": "string"}, {"name": "info", "type": "object"}]})})
        assert uploaded.status_code in (400, 422), uploaded.text
        assert "feature u1: info: deep[0]: integer out of the 64-bit range" in uploaded.json()["description"]
        assert http.get("/collections/huge_upload").status_code == 404


def _geopackage(info: dict) -> bytes:
    """A GeoPackage of one point whose ``info`` column holds ``info`` as JSON text."""
    frame = gpd.GeoDataFrame({"id": ["u1"], "info": [json.dumps(info)]}, geometry=[Point(104.0, 22.0)],
                             crs="OGC:CRS84")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "layer.gpkg"
        frame.to_file(path, driver="GPKG", engine="pyogrio")
        return path.read_bytes()


def _statistics_refused(server: str, token: str) -> None:
    row = {"indicator": "output", "entity": "a", "year": 2024, "period": "FY", "value": 1, "unit": "t",
           "basis": "actual", "price_basis": "n/a", "source": "https://example.org/report", "note": ""}
    with httpx.Client(base_url=server, timeout=60, headers=bearer(token)) as http:
        for field, value in (("year", BIG), ("variant", BIG), ("variant", 2**31), ("variant", -(2**31) - 1)):
            written = http.post("/collections/statistics/items", content=json.dumps([{**row, field: value}]).encode(),
                                headers={"Content-Type": "application/json"})
            assert written.status_code in (400, 422), written.text
            assert f"{field} {str(value)[:20]!r}" in written.json()["description"] or str(value) in written.text


@pytest.mark.parametrize("refused", [_refused, _upload_refused, _statistics_refused])
def test_a_write_with_an_integer_past_64_bits_is_refused_naming_the_field_on_sqlite(sqlite, refused):
    server, token, _ = sqlite
    refused(server, token)


@pytest.mark.parametrize("refused", [_refused, _upload_refused, _statistics_refused])
def test_a_write_with_an_integer_past_64_bits_is_refused_naming_the_field_on_postgis(postgis, refused):
    server, token, _ = postgis
    refused(server, token)


@pytest.mark.parametrize("path", [f"{ITEMS}?f=json", f"{ITEMS}/a?f=json", f"{ITEMS}?f=json&properties=info",
                                  f"{ITEMS}?f=html", f"{ITEMS}/a?f=html", "/collections/odd_sites/download?f=geojson",
                                  "/collections/odd_sites/download?f=csv",
                                  "/collections/odd_sites/tiles/WebMercatorQuad/12/1791/3231"])
@pytest.mark.parametrize("backend", ["sqlite", "postgis"])
def test_a_stored_integer_past_64_bits_is_served_as_its_digits(request, backend, path):
    server, _, folder = request.getfixturevalue(backend)
    response = httpx.get(server + path, timeout=60)
    assert response.status_code == 200, response.text[:500]
    if path.endswith("items?f=html"):  # the table shows scalar fields only
        assert "/items/a" in response.text and "/items/b" in response.text
    elif path.endswith("a?f=html"):  # an object field shows its keys
        assert "<th>info</th><td>big</td>" in response.text
    else:  # in a tile, the object field's JSON text
        assert str(BIG).encode() in response.content
    if "f=json" in path or "geojson" in path:
        body = response.json()
        features = body["features"] if "features" in body else [body]
        by_id = {feature.get("id", feature["properties"].get("id")): feature for feature in features}
        assert by_id["a"]["properties"]["info"] == {"big": str(BIG)}
        assert len(features) == 1 or "b" in by_id  # the other features are still served
    log = "".join(p.read_text(errors="replace") for p in folder.glob("server-*.log"))
    assert "64-bit range" in log and "Traceback" not in log


def test_db_load_refuses_a_file_with_an_integer_past_64_bits_naming_file_feature_and_field(
        pg_cluster: Cluster, tmp_path: Path):
    data = data_with_odd_sites(tmp_path, SITES)
    with_huge_tags = [{**SITES[0], "properties": {**SITES[0]["properties"], "tags": [BIG]}}, SITES[1]]
    (data / "geo" / "odd_sites.geojson").write_text(json.dumps({"type": "FeatureCollection",
                                                                "features": with_huge_tags}))
    url = new_database(pg_cluster, "bigload")
    with Database(url, pool_size=1) as database, pytest.raises(DataError) as refused:
        load_data(database, data)
    message = str(refused.value)
    assert "odd_sites.geojson" in message and "feature a" in message and "tags: [0]" in message
    assert "64-bit range" in message


def test_db_load_refuses_a_statistics_row_with_a_year_past_64_bits_naming_file_and_row(
        pg_cluster: Cluster, tmp_path: Path):
    data = data_with_odd_sites(tmp_path, SITES)
    statistics = data / "statistics.csv"
    header = statistics.read_text(encoding="utf-8").splitlines()[0].split(",")
    row = {"indicator": "output", "entity": "a", "year": str(BIG), "period": "FY", "value": "1", "unit": "t",
           "basis": "actual", "price_basis": "n/a", "source": "https://example.org/report"}
    with statistics.open("a", encoding="utf-8") as handle:
        handle.write(",".join(row.get(column, "") for column in header) + "\n")
    rows = len(statistics.read_text(encoding="utf-8").splitlines())
    url = new_database(pg_cluster, "bigstats")
    with Database(url, pool_size=1) as database, pytest.raises(DataError) as refused:
        load_data(database, data)
    assert f"statistics.csv: row {rows}: year {BIG} is not between 1800 and 2200" in str(refused.value)

"""GDAL's OGC API - Features driver (OAPIF) against the live server: ``ogrinfo`` and ``ogr2ogr``.

Each test runs the real command-line tools, as a GIS user would, and compares what GDAL read
with what the server reports and with the core store. The server's access log shows what GDAL
actually asked for (page size, ``bbox``, ``filter``).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pyogrio
import pytest
from pyproj import Transformer

from geo_industry.catalog import LAYER_IDS
from geo_industry.models import FeatureQuery
from geo_industry.store import EmbeddedStore

if TYPE_CHECKING:  # fixtures' types, defined in this folder's conftest.py
    from conftest import ApiReader, LiveServer

pytestmark = [
    pytest.mark.gdal,
    pytest.mark.skipif(shutil.which("ogrinfo") is None or shutil.which("ogr2ogr") is None,
                       reason="GDAL command-line tools not installed (Debian: apt-get install gdal-bin)"),
]

#: Lào Cai city and the Sin Quyền - Bát Xát mining area: holds points and zone polygons.
LAO_CAI_CITY_BBOX = (103.80, 22.30, 104.20, 22.70)
EPSG_9208_URI = "http://www.opengis.net/def/crs/EPSG/0/9208"
#: GDAL and pyproj both use PROJ's preferred VN-2000 -> WGS 84 operation (EPSG:6960); 1 cm.
COORDINATE_TOLERANCE_M = 0.01
PAGE_SIZE = 7


def _gdal_version() -> tuple[int, int]:
    if shutil.which("ogrinfo") is None:
        return (0, 0)
    out = subprocess.run(["ogrinfo", "--version"], capture_output=True, text=True, check=True).stdout
    major, minor = re.search(r"GDAL (\d+)\.(\d+)", out).groups()  # type: ignore[union-attr]
    return int(major), int(minor)


GDAL_VERSION = _gdal_version()


def _gdal(*args: str) -> str:
    """Run a GDAL tool; fail the test with its stderr when it fails."""
    env = {**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1", "GDAL_HTTP_TIMEOUT": "60",
           "CPL_VSIL_CURL_USE_HEAD": "NO"}
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=300, env=env)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result.stdout


def _oapif(base_url: str) -> str:
    return f"OAPIF:{base_url}"


def _to_geojson(tmp_path: Path, base_url: str, layer: str, *options: str) -> dict[str, Any]:
    """ogr2ogr one collection to a GeoJSON file and return the parsed file."""
    out = tmp_path / f"{layer}.geojson"
    _gdal("ogr2ogr", "-f", "GeoJSON", str(out), _oapif(base_url), layer, *options)
    return orjson.loads(out.read_bytes())  # type: ignore[no-any-return]


def _ids(collection: dict[str, Any]) -> set[str]:
    return {str(feature["properties"]["id"]) for feature in collection["features"]}


def _store_ids(store: EmbeddedStore, layer: str, query: FeatureQuery) -> set[str]:
    return set(store.query(layer, query).features["id"])


def _items_requests(server: LiveServer, offset: int, layer: str) -> list[str]:
    return [line for line in server.requests_since(offset) if f"/collections/{layer}/items" in line]


# --- ogrinfo --------------------------------------------------------------------------------


def test_ogrinfo_lists_every_collection(base_url: str, layer_ids: list[str]) -> None:
    out = _gdal("ogrinfo", "-ro", "-q", _oapif(base_url))
    listed = re.findall(r"^\d+: (\S+)", out, flags=re.MULTILINE)
    assert set(layer_ids) <= set(listed)


@pytest.mark.parametrize("layer", LAYER_IDS)
def test_ogrinfo_feature_count_equals_number_matched(base_url: str, api: ApiReader, store: EmbeddedStore,
                                                     layer: str) -> None:
    out = _gdal("ogrinfo", "-ro", "-so", "-oo", f"PAGE_SIZE={PAGE_SIZE}", _oapif(base_url), layer)
    count = int(re.search(r"^Feature Count: (\d+)", out, flags=re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert count == api.number_matched(layer) == len(store.frame(layer))


def test_layer_fields_are_unique(base_url: str, layer_ids: list[str]) -> None:
    """Each property becomes one GDAL field: no duplicate (an ``id`` twice becomes ``id2`` in a GeoPackage).

    GDAL 3.6 adds the first page's ``id`` field and then every property of the collection's
    JSON schema (``describedBy``), so the schema's feature properties must not list ``id`` again.
    """
    duplicated = {}
    for layer in layer_ids:
        out = _gdal("ogrinfo", "-ro", "-so", _oapif(base_url), layer)
        fields = re.findall(r"^(\w+): \w+(?:\(\w+\))? \(", out, flags=re.MULTILINE)
        if twice := sorted({name for name in fields if fields.count(name) > 1}):
            duplicated[layer] = twice
    assert not duplicated, f"fields listed more than once by ogrinfo: {duplicated}"


@pytest.mark.parametrize("layer", LAYER_IDS)
def test_ogr2ogr_pages_through_every_feature(tmp_path: Path, live_server: LiveServer, store: EmbeddedStore,
                                             layer: str) -> None:
    """A small PAGE_SIZE forces GDAL to follow ``next`` links to the last page, nulls included; the links
    after the first page seek (``after``) and the features arrive in file order, each once."""
    offset = live_server.log_offset()
    collection = _to_geojson(tmp_path, live_server.url, layer, "-oo", f"PAGE_SIZE={PAGE_SIZE}")
    frame = store.frame(layer)
    assert [str(feature["properties"]["id"]) for feature in collection["features"]] == list(frame["id"])
    null_geometries = sum(feature["geometry"] is None for feature in collection["features"])
    assert null_geometries == int(frame.geometry.isna().sum())
    pages = [line for line in _items_requests(live_server, offset, layer) if f"limit={PAGE_SIZE}" in line]
    assert len(pages) >= math.ceil(len(frame) / PAGE_SIZE)
    seeking = [line for line in pages if "after=" in line]
    assert len(seeking) >= math.ceil(len(frame) / PAGE_SIZE) - 1


def test_open_by_collection_url(tmp_path: Path, base_url: str, store: EmbeddedStore) -> None:
    """GDAL also opens ``OAPIF:<base>/collections/<id>``: one layer, every feature."""
    out = tmp_path / "mines.geojson"
    _gdal("ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{base_url}/collections/mines", "-oo", f"PAGE_SIZE={PAGE_SIZE}")
    assert _ids(orjson.loads(out.read_bytes())) == set(store.frame("mines")["id"])


# --- spatial and attribute filters ----------------------------------------------------------------


@pytest.mark.parametrize("layer", ["mines", "hydropower_plants", "industrial_zones", "industrial_clusters"])
def test_spat_matches_server_bbox(tmp_path: Path, live_server: LiveServer, api: ApiReader,
                                  store: EmbeddedStore, layer: str) -> None:
    offset = live_server.log_offset()
    spat = [str(v) for v in LAO_CAI_CITY_BBOX]
    collection = _to_geojson(tmp_path, live_server.url, layer, "-spat", *spat, "-oo", f"PAGE_SIZE={PAGE_SIZE}")
    bbox = ",".join(spat)
    expected = _store_ids(store, layer, FeatureQuery(bbox=LAO_CAI_CITY_BBOX, limit=10_000))
    assert expected, "the test bbox should select something"
    assert _ids(collection) == api.feature_ids(layer, bbox=bbox) == expected
    requests = _items_requests(live_server, offset, layer)
    assert any("bbox=" in line for line in requests), f"GDAL did not send bbox: {requests}"


WHERE_CASES = [
    ("mines", "status = 'operating'", "status = 'operating'"),
    ("hydropower_plants", "installed_mw > 30", "installed_mw > 30"),
    ("processing_plants", "status = 'operating' AND start_year >= 2010", "status = 'operating' AND start_year >= 2010"),
]


@pytest.mark.parametrize(("layer", "where", "cql2"), WHERE_CASES)
def test_where_matches_server_cql2(tmp_path: Path, live_server: LiveServer, api: ApiReader, layer: str,
                                   where: str, cql2: str) -> None:
    """GDAL either sends the filter (CQL2 or a queryable parameter) or filters client-side;
    either way the features it returns are those the server's CQL2 filter selects."""
    collection = _to_geojson(tmp_path, live_server.url, layer, "-where", where, "-oo", f"PAGE_SIZE={PAGE_SIZE}")
    expected = api.feature_ids(layer, filter=cql2, **{"filter-lang": "cql2-text"})
    assert expected, "the test filter should select something"
    assert _ids(collection) == expected


def test_where_requests_are_all_accepted(tmp_path: Path, live_server: LiveServer) -> None:
    """Whatever GDAL sends for ``-where`` is accepted: no 4xx or 5xx in the server log.

    GDAL 3.6 looks in the OpenAPI document (``service-desc``) for a ``filter-lang`` parameter
    whose enum holds the pre-standard ``cql-text`` (or per-property query parameters); ours
    declares ``cql2-text``, so GDAL 3.6 evaluates the filter client-side over plain pages.
    Later GDAL versions may push CQL2 text to ``filter=``; the server must accept it then too.
    """
    offset = live_server.log_offset()
    _to_geojson(tmp_path, live_server.url, "mines", "-where", "status = 'operating'")
    assert _items_requests(live_server, offset, "mines")
    log = live_server.log_since(offset)
    statuses = re.findall(r'HTTP/1\.1" (\d{3})', log)
    assert statuses and all(status in ("200", "304") for status in statuses), log


# --- CRS ----------------------------------------------------------------------------------------


def _points(collection: dict[str, Any]) -> dict[str, tuple[float, float]]:
    return {str(f["properties"]["id"] if "properties" in f and "id" in f["properties"] else f["id"]):
            tuple(f["geometry"]["coordinates"][:2])
            for f in collection["features"] if f["geometry"] is not None}


def test_t_srs_9208_agrees_with_pyproj_and_server(tmp_path: Path, live_server: LiveServer,
                                                  api: ApiReader, store: EmbeddedStore) -> None:
    """GDAL reprojects the CRS84 items to VN-2000 / TM-3 104-45; pyproj and the server's
    ``crs=EPSG:9208`` output give the same easting/northing (EPSG:9208 is easting-first)."""
    by_gdal = _points(_to_geojson(tmp_path, live_server.url, "mines", "-t_srs", "EPSG:9208"))
    frame = store.frame("mines")
    present = frame[~frame.geometry.isna()]
    forward = Transformer.from_crs("OGC:CRS84", "EPSG:9208", always_xy=True)
    eastings, northings = forward.transform(present.geometry.x.to_numpy(), present.geometry.y.to_numpy())
    by_pyproj = dict(zip(present["id"], zip(eastings, northings, strict=True), strict=True))
    served = api.items("mines", limit=10_000, crs=EPSG_9208_URI)
    by_server = {str(f["id"]): tuple(f["geometry"]["coordinates"][:2]) for f in served["features"]
                 if f["geometry"] is not None}
    assert by_gdal.keys() == by_pyproj.keys() == by_server.keys()
    for fid, (x, y) in by_pyproj.items():
        assert by_gdal[fid] == pytest.approx((x, y), abs=COORDINATE_TOLERANCE_M), fid
        assert by_server[fid] == pytest.approx((x, y), abs=COORDINATE_TOLERANCE_M), fid


@pytest.mark.skipif(GDAL_VERSION < (3, 7), reason=f"the OAPIF CRS open option needs GDAL >= 3.7 "
                    f"(found {GDAL_VERSION[0]}.{GDAL_VERSION[1]})")
def test_crs_open_option_requests_9208_from_server(tmp_path: Path, live_server: LiveServer,
                                                   api: ApiReader) -> None:
    offset = live_server.log_offset()
    by_gdal = _points(_to_geojson(tmp_path, live_server.url, "mines", "-oo", "CRS=EPSG:9208"))
    assert any("crs=" in line for line in _items_requests(live_server, offset, "mines"))
    served = api.items("mines", limit=10_000, crs=EPSG_9208_URI)
    for feature in served["features"]:
        if feature["geometry"] is not None:
            expected = tuple(feature["geometry"]["coordinates"][:2])
            assert by_gdal[str(feature["id"])] == pytest.approx(expected, abs=COORDINATE_TOLERANCE_M)


# --- GeoPackage -----------------------------------------------------------------------------------


def test_ogr2ogr_to_geopackage_keeps_every_layer(tmp_path: Path, base_url: str, store: EmbeddedStore,
                                                 layer_ids: list[str]) -> None:
    out = tmp_path / "laocai.gpkg"
    _gdal("ogr2ogr", "-f", "GPKG", str(out), _oapif(base_url), *layer_ids, "-oo", "PAGE_SIZE=50")
    assert {name for name, _ in pyogrio.list_layers(out)} == set(layer_ids)
    for layer in layer_ids:
        frame = pyogrio.read_dataframe(out, layer=layer)
        expected = store.frame(layer)
        assert set(frame["id"]) == set(expected["id"]), layer
        assert int(frame.geometry.isna().sum()) == int(expected.geometry.isna().sum()), layer
        assert frame.crs.to_epsg() == 4326, layer


def test_ogr2ogr_reads_the_statistics_records(tmp_path: Path, live_server: LiveServer, api: ApiReader) -> None:
    """The non-spatial ``statistics`` collection (itemType record) pages through GDAL like a layer."""
    collection = _to_geojson(tmp_path, live_server.url, "statistics", "-oo", "PAGE_SIZE=50")
    assert all(feature["geometry"] is None for feature in collection["features"])
    assert len(collection["features"]) == api.number_matched("statistics")
    assert _ids(collection) == api.feature_ids("statistics")


_OGR_NUMERIC = {"number": ("float64", "float32"), "integer": ("int64", "int32", "int16")}


def test_numeric_queryables_keep_numeric_types_in_geopackage(tmp_path: Path, base_url: str, store: EmbeddedStore,
                                                             layer_ids: list[str]) -> None:
    """With GDAL's default page size, number and integer properties arrive as numbers.

    GDAL types fields from the first page unless the collection links a JSON schema of its
    features (GDAL 3.6: ``rel="describedBy"`` with ``type: application/schema+json``); a
    property that is null throughout the first page otherwise becomes a String field, so a
    QGIS user cannot sort or filter it numerically.
    """
    out = tmp_path / "default-page.gpkg"
    _gdal("ogr2ogr", "-f", "GPKG", str(out), _oapif(base_url), *layer_ids)
    mistyped = {}
    for layer in layer_ids:
        info = pyogrio.read_info(out, layer=layer)
        dtypes = dict(zip(info["fields"], info["dtypes"], strict=True))
        for name, kind in store.queryables(layer).items():
            if kind in _OGR_NUMERIC and dtypes.get(name) not in _OGR_NUMERIC[kind]:
                mistyped[f"{layer}.{name}"] = f"{kind} read as {dtypes.get(name)}"
    assert not mistyped, "GDAL typed these properties as text: " + "; ".join(f"{k} ({v})" for k, v in mistyped.items())


@pytest.mark.parametrize(("layer", "geometry"), [
    ("transport_lines", "Multi Line String"), ("rivers", "Multi Line String"), ("boundaries", "Polygon"),
    ("places", "Point")])
def test_reference_layers_open_with_their_declared_geometry_type(tmp_path: Path, base_url: str, store: EmbeddedStore,
                                                                 layer: str, geometry: str) -> None:
    """A GIS reads the basemap's reference collections as typed layers (lines as lines), every feature kept."""
    out = _gdal("ogrinfo", "-ro", "-so", _oapif(base_url), layer)
    assert re.search(rf"^Geometry: {geometry}$", out, flags=re.MULTILINE), out[:2000]
    collection = _to_geojson(tmp_path, base_url, layer)
    assert _ids(collection) == set(store.frame(layer)["id"])
    assert all(f["properties"]["licence"] and f["properties"]["attribution"] for f in collection["features"])


@pytest.mark.parametrize("layer", LAYER_IDS)
def test_each_collection_has_one_geometry_type(tmp_path: Path, base_url: str, store: EmbeddedStore,
                                               layer: str) -> None:
    """GDAL sees one geometry type per collection, the catalog's, and every feature read has it
    (a QGIS point layer holds points, the outline layer polygons)."""
    declared = store.catalog.get(layer).geometry_type
    out = _gdal("ogrinfo", "-ro", "-so", "-oo", f"PAGE_SIZE={PAGE_SIZE}", _oapif(base_url), layer)
    reported = re.search(r"^Geometry: (.+)$", out, flags=re.MULTILINE).group(1)  # type: ignore[union-attr]
    assert reported.strip().replace(" ", "") in (declared, f"Multi{declared}"), out[:500]
    collection = _to_geojson(tmp_path, base_url, layer, "-oo", f"PAGE_SIZE={PAGE_SIZE}")
    types = {feature["geometry"]["type"] for feature in collection["features"] if feature["geometry"]}
    assert types == {declared}

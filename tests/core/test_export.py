"""Exports round-trip through pyogrio in every format and CRS."""

from __future__ import annotations

import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geo_industry.catalog import LAYER_IDS
from geo_industry.crs import resolve_crs, transform_geometries
from geo_industry.errors import ExportError, InvalidParameter
from geo_industry.export import EXPORT_FORMATS, export_bytes, resolve_format, write_layer, write_layer_batches
from geo_industry.vector_io import read_vector


@pytest.mark.parametrize("name", sorted(EXPORT_FORMATS))
@pytest.mark.parametrize("layer", ["mines", "industrial_zones"])
def test_round_trip_keeps_every_feature_and_its_attributes(store, tmp_path, name, layer):
    fmt = EXPORT_FORMATS[name]
    frame = store.frame(layer)
    path = write_layer(frame, tmp_path / f"{layer}{fmt.suffix}", fmt=fmt, layer_name=layer)
    if name == "shp":
        with zipfile.ZipFile(path) as archive:
            archive.extractall(tmp_path / "shp")
        parts = sorted((tmp_path / "shp").glob("*.shp"))
        back_frames = [read_vector(part) for part in parts]
        back_ids = [fid for back in back_frames for fid in back["id"]]
        assert all((tmp_path / "shp" / f"{p.stem}.prj").exists() for p in parts)
    else:
        back = read_vector(path)
        id_column = "id2" if name == "kml" and "id2" in back else "id"
        back_ids = list(back[id_column])
        if name not in ("kml",):
            assert set(back["name_vi"]) - {None} <= set(frame["name_vi"])
    assert sorted(back_ids) == sorted(frame["id"])


@pytest.mark.parametrize("crs_code", ["EPSG:9208", "EPSG:3405", "EPSG:4756", "EPSG:3857"])
def test_export_in_a_projected_or_vn2000_crs(store, tmp_path, crs_code):
    crs = resolve_crs(crs_code)
    frame = store.frame("border_gates")
    path = write_layer(frame, tmp_path / "gates.gpkg", fmt=EXPORT_FORMATS["gpkg"], crs=crs, layer_name="gates")
    back = read_vector(path)
    assert back.crs.equals(crs.crs)
    expected = transform_geometries(np.asarray(frame.geometry.array), "OGC:CRS84", crs_code)
    present = [g is not None for g in expected]
    got = np.asarray(back.geometry.array)[present]
    want = expected[present]
    assert all(g.distance(w) < 0.01 for g, w in zip(got, want, strict=True))


def test_csv_holds_wkt_and_json_lists(store):
    content = export_bytes(store.frame("mines"), fmt=EXPORT_FORMATS["csv"], layer_name="mines").decode()
    header, first = content.splitlines()[:2]
    assert header.startswith("WKT,")
    assert "POINT (" in first and '[""http' in first


def test_kml_refuses_a_projected_crs(store):
    with pytest.raises(InvalidParameter, match="KML"):
        export_bytes(store.frame("mines"), fmt=EXPORT_FORMATS["kml"], crs=resolve_crs("EPSG:9208"))


def test_unknown_format():
    with pytest.raises(InvalidParameter, match="one of"):
        resolve_format("xlsx")


def test_geopackage_layer_name(store, tmp_path):
    path = write_layer(store.frame("mines"), tmp_path / "m.gpkg", fmt=EXPORT_FORMATS["gpkg"], layer_name="mines")
    assert [name for name, _ in pyogrio.list_layers(path)] == ["mines"]


def test_shapefile_zip_keeps_what_dbase_cannot_hold(store, tmp_path):
    frame = store.frame("industrial_zones")
    content = export_bytes(frame, fmt=EXPORT_FORMATS["shp"], layer_name="industrial_zones")
    path = tmp_path / "zones.zip"
    path.write_bytes(content)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert {"industrial_zones_fields.csv", "industrial_zones_attributes.csv"} <= names
        fields = archive.read("industrial_zones_fields.csv").decode()
        attributes = archive.read("industrial_zones_attributes.csv").decode()
    assert "geometry_n,geometry_note" in fields
    longest = max((v for v in frame["geometry_note"] if isinstance(v, str)), key=len)
    assert len(longest.encode()) > 254 and longest in attributes


@pytest.mark.parametrize("name", sorted(EXPORT_FORMATS))
@pytest.mark.parametrize("layer", LAYER_IDS)
def test_a_layer_written_in_batches_is_the_file_written_whole(store, tmp_path, name, layer):
    """Streamed in batches of 7 features, every data/ layer gives the file a whole write gives: the same bytes
    for the text formats and FlatGeobuf, the same features for GeoPackage (whose header holds the time) and
    for a zipped Shapefile's parts (its CSVs the same bytes)."""
    fmt = EXPORT_FORMATS[name]
    crs = resolve_crs("OGC:CRS84" if fmt.wgs84_only else "EPSG:9208", parameter="crs")
    whole = write_layer(store.frame(layer), tmp_path / f"whole{fmt.suffix}", fmt=fmt, crs=crs, layer_name=layer)
    seen: list[int] = []
    written = write_layer_batches(store.frame_batches(layer, size=7), tmp_path / f"batches{fmt.suffix}", fmt=fmt,
                                  crs=crs, geometry_types=store.geometry_types(layer), layer_name=layer,
                                  progress=seen.append)
    assert written == len(store.frame(layer)) == seen[-1]
    assert seen == sorted(seen) and len(seen) == -(-written // 7)
    streamed = tmp_path / f"batches{fmt.suffix}"
    if name == "gpkg":
        assert pyogrio.read_info(streamed)["geometry_type"] == pyogrio.read_info(whole)["geometry_type"]
        assert_geodataframe_equal(read_vector(streamed), read_vector(whole))
    elif name == "shp":
        assert_same_shapefile_zips(streamed, whole)
    else:
        assert streamed.read_bytes() == whole.read_bytes()


def test_mixed_single_and_multi_polygons_are_written_as_multi(store, tmp_path):
    """A layer of polygons and multipolygons is a MultiPolygon layer in formats that hold one type, as pyogrio
    makes it from a whole frame."""
    frame = store.frame("zone_outlines").copy()
    frame.loc[0, "geometry"] = shapely.MultiPolygon([frame.geometry.iloc[0]])
    fmt = EXPORT_FORMATS["gpkg"]
    whole = write_layer(frame, tmp_path / "whole.gpkg", fmt=fmt, layer_name="zones")
    batches = [frame.iloc[:3], frame.iloc[3:]]
    write_layer_batches(batches, tmp_path / "batches.gpkg", fmt=fmt, geometry_types={"Polygon", "MultiPolygon"},
                        layer_name="zones")
    assert pyogrio.read_info(tmp_path / "batches.gpkg")["geometry_type"] == "MultiPolygon"
    assert_geodataframe_equal(read_vector(tmp_path / "batches.gpkg"), read_vector(whole))


def test_a_batch_that_does_not_fit_the_first_is_refused_not_cut(store, tmp_path):
    frame = store.frame("border_gates")
    first = frame.iloc[:3].assign(status=1.5)  # numbers in the first batch, text in the next
    with pytest.raises(ExportError, match="field types"):
        write_layer_batches([first, frame.iloc[3:]], tmp_path / "gates.gpkg", fmt=EXPORT_FORMATS["gpkg"],
                            geometry_types={"Point"}, layer_name="border_gates")


def assert_same_shapefile_zips(mine: Path, theirs: Path) -> None:
    """The two zipped Shapefiles hold the same files: the same features in each part (read back with pyogrio,
    their geometry types too), the other files byte for byte (a .dbf's header holds the date)."""
    with zipfile.ZipFile(mine) as left, zipfile.ZipFile(theirs) as right:
        assert left.namelist() == right.namelist()
        for name in left.namelist():
            if name.endswith(".shp"):
                ours, others = f"/vsizip/{mine}/{name}", f"/vsizip/{theirs}/{name}"
                assert pyogrio.read_info(ours)["geometry_type"] == pyogrio.read_info(others)["geometry_type"], name
                assert_geodataframe_equal(pyogrio.read_dataframe(ours), pyogrio.read_dataframe(others))
            elif not name.endswith((".dbf", ".shx")):
                assert left.read(name) == right.read(name), name


def _synthetic_batches(count: int, size: int) -> Iterator[gpd.GeoDataFrame]:
    """``count`` frames of ``size`` features, made as they are asked for: points, then polygons, a feature
    without geometry in each, every one with long text (cut in the .dbf) and a list."""
    for number in range(count):
        rows = range(number * size, (number + 1) * size)
        points = [shapely.Point(104 + i * 1e-5, 22) for i in rows]
        geometries = [None if i % size == 0 else point.buffer(1e-4) if i % 3 else point
                      for i, point in zip(rows, points, strict=True)]
        yield gpd.GeoDataFrame({"id": [f"s{i}" for i in rows], "note": [f"{i} " + "ghi chú " * 40 for i in rows],
                                "sources": [[f"https://example.org/{i}"] for i in rows],
                                "area_ha": [i / 7 for i in rows]}, geometry=geometries, crs="EPSG:4326")


def test_a_synthetic_layer_written_in_batches_is_the_zipped_shapefile_written_whole(tmp_path):
    fmt = EXPORT_FORMATS["shp"]
    whole = pd.concat(list(_synthetic_batches(4, 500)), ignore_index=True)
    write_layer(whole, tmp_path / "whole.zip", fmt=fmt, layer_name="synthetic")
    written = write_layer_batches(_synthetic_batches(4, 500), tmp_path / "batches.zip", fmt=fmt, layer_name="synthetic",
                                  geometry_types={"Point", "Polygon"})
    assert written == 2000
    assert_same_shapefile_zips(tmp_path / "batches.zip", tmp_path / "whole.zip")
    with zipfile.ZipFile(tmp_path / "batches.zip") as archive:
        assert {"synthetic_point.shp", "synthetic_polygon.shp"} <= set(archive.namelist())
    points = pyogrio.read_dataframe(f"/vsizip/{tmp_path}/batches.zip/synthetic_point.shp")
    polygons = pyogrio.read_dataframe(f"/vsizip/{tmp_path}/batches.zip/synthetic_polygon.shp")
    assert len(points) + len(polygons) == 2000 and points["id"].iloc[0] == "s0"  # the null geometries with the first


def test_a_zipped_shapefile_written_in_batches_holds_one_batch_in_memory(tmp_path):
    """The peak of Python's allocations while 20 batches are written is that of writing one, not twenty."""
    fmt = EXPORT_FORMATS["shp"]

    def peak(count: int) -> int:
        tracemalloc.start()
        try:
            write_layer_batches(_synthetic_batches(count, 2000), tmp_path / f"{count}.zip", fmt=fmt,
                                geometry_types={"Point", "Polygon"}, layer_name="synthetic")
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    one, twenty = peak(1), peak(20)
    assert pyogrio.read_info(f"/vsizip/{tmp_path}/20.zip/synthetic_polygon.shp")["features"] > 20 * 1000
    assert twenty < 2 * one, (one, twenty)

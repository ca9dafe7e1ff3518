"""Built products: COG validity, rebuild skipping, tiles, legends, point and zonal queries."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import morecantile
import numpy as np
import pytest
import rasterio
from raster_constants import DEM_TIF, FANSIPAN, LAO_CAI_CITY
from rasterio.io import MemoryFile
from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry

from geo_industry.errors import InvalidParameter
from geo_industry.raster import (
    BuildConfig,
    BuildResult,
    EmptyZoneError,
    PointOutsideRasterError,
    ProductReader,
    RasterGrid,
    TileOutsideBoundsError,
    UnknownProductError,
    build_rasters,
    is_valid_cog,
    list_products,
    point_value,
    render_tile,
    zonal_statistics,
    zonal_statistics_array,
)

PRODUCT_IDS = ["terrain", "slope", "hillshade", "distance_border_gate", "distance_railway",
               "suitability"]


@pytest.mark.parametrize("product", PRODUCT_IDS)
def test_products_are_valid_cogs(built: BuildResult, product: str) -> None:
    """Every product validates with rio_cogeo and carries overviews and tags."""
    path = built.path(product)
    assert is_valid_cog(path)
    with rasterio.open(path) as src:
        assert src.tags()["PRODUCT"] == product
        assert src.crs.to_epsg() == 9208


def test_manifest_lists_products_and_skipped_criteria(built: BuildResult) -> None:
    """Criteria without a target layer are skipped with a reason; weights renormalised."""
    assert {p.id for p in list_products(built.out_dir)} == set(PRODUCT_IDS)
    assert built.manifest.skipped["expressway"] == "no target layer given"
    assert sum(built.manifest.weights.values()) == pytest.approx(1.0)
    assert set(built.manifest.weights) == {"border_gate", "railway", "slope"}


def test_rebuild_skipped_when_inputs_unchanged(built: BuildResult, province: BaseGeometry,
                                               gates: gpd.GeoDataFrame,
                                               rivers: gpd.GeoDataFrame) -> None:
    """Same inputs: no rebuild and files untouched; changed parameters: rebuilt."""
    mtime = built.path("slope").stat().st_mtime_ns
    kwargs = {"out_dir": built.out_dir, "area_of_interest": province, "dem_path": DEM_TIF,
              "targets": {"border_gate": gates, "railway": rivers}, "water": rivers}
    again = build_rasters(**kwargs)
    assert again.rebuilt is False
    assert built.path("slope").stat().st_mtime_ns == mtime
    changed = build_rasters(**kwargs, config=BuildConfig(hillshade_azimuth_deg=270))
    assert changed.rebuilt is True
    assert build_rasters(**kwargs, config=BuildConfig(hillshade_azimuth_deg=270)).rebuilt is False
    assert build_rasters(**kwargs).rebuilt is True  # back to the original parameters


def test_build_without_dem(tmp_path: Path, province: BaseGeometry,
                           gates: gpd.GeoDataFrame) -> None:
    """Without a DEM: distance and suitability products only, slope reported missing."""
    result = build_rasters(out_dir=tmp_path, area_of_interest=province,
                           targets={"border_gate": gates},
                           config=BuildConfig(resolution_without_dem_m=2000))
    assert {p.id for p in result.manifest.products} == {"distance_border_gate", "suitability"}
    assert result.manifest.skipped["slope"] == "no DEM configured"


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")  # a PNG tile
@pytest.mark.parametrize("product", PRODUCT_IDS)
@pytest.mark.parametrize("tms", ["WebMercatorQuad", "WorldCRS84Quad"])
def test_tile_renders_a_256_png(built: BuildResult, product: str, tms: str) -> None:
    """A tile over Lào Cai city is a 256×256 RGBA PNG."""
    tile = morecantile.tms.get(tms).tile(*LAO_CAI_CITY, 9)
    png = render_tile(built.path(product), x=tile.x, y=tile.y, z=tile.z, tms=tms)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with MemoryFile(png) as memfile, memfile.open() as img:
        assert (img.width, img.height, img.count) == (256, 256, 4)
        assert img.read(4).max() == 255  # some opaque pixels


def test_tile_outside_bounds(built: BuildResult) -> None:
    """A tile over Europe raises TileOutsideBoundsError naming the tile."""
    with pytest.raises(TileOutsideBoundsError, match="WebMercatorQuad/9/270/180"):
        render_tile(built.path("slope"), x=270, y=180, z=9)


def test_unknown_tms_and_product(built: BuildResult) -> None:
    """Unknown TileMatrixSet and product ids are domain errors."""
    with pytest.raises(InvalidParameter, match="tms 'Nope'"):
        render_tile(built.path("slope"), x=0, y=0, z=0, tms="Nope")
    with pytest.raises(UnknownProductError, match="'aspect'"):
        built.path("aspect")


def test_legend_describes_the_product(built: BuildResult) -> None:
    """Legends carry units and colour stops; terrain uses its own value range."""
    with ProductReader(built.path("terrain")) as reader:
        legend = reader.legend
    assert legend.units == "m"
    assert legend.stops[0].value == pytest.approx(reader.value_range[0], abs=1e-3)
    assert all(s.color.startswith("#") and len(s.color) == 7 for s in legend.stops)


def test_point_query_at_fansipan(built: BuildResult) -> None:
    """The source DEM gives 2569 m at Fansipan; the resampled product stays near it."""
    raw = point_value(DEM_TIF, x=FANSIPAN[0], y=FANSIPAN[1], product="terrain")
    assert raw.value == 2569.0
    product = point_value(built.path("terrain"), x=FANSIPAN[0], y=FANSIPAN[1])
    assert product.value == pytest.approx(2569, abs=400)
    assert product.units == "m"


def test_point_query_in_another_crs(built: BuildResult) -> None:
    """A VN-2000 / UTM 48N coordinate gives the same pixel as its lon/lat."""
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 3405, always_xy=True).transform(*LAO_CAI_CITY)
    utm = point_value(built.path("slope"), x=x, y=y, crs="EPSG:3405")
    lonlat = point_value(built.path("slope"), x=LAO_CAI_CITY[0], y=LAO_CAI_CITY[1])
    assert (utm.row, utm.col, utm.value) == (lonlat.row, lonlat.col, lonlat.value)


def test_point_outside_raster(built: BuildResult) -> None:
    """A point in Hanoi's far south is outside the product."""
    with pytest.raises(PointOutsideRasterError):
        point_value(built.path("slope"), x=106.0, y=20.0)


def _centre_mask(grid: RasterGrid, centre: tuple[float, float], radius: float) -> np.ndarray:
    cols, rows = np.meshgrid(np.arange(grid.width) + 0.5, np.arange(grid.height) + 0.5)
    x = grid.transform.c + cols * grid.transform.a
    y = grid.transform.f + rows * grid.transform.e
    return (x - centre[0]) ** 2 + (y - centre[1]) ** 2 < radius**2


def test_zonal_mean_matches_masked_numpy(built: BuildResult) -> None:
    """Circle and pixel-aligned box zones agree with a direct masked numpy computation."""
    with rasterio.open(built.path("slope")) as src:
        data = src.read(1)
        grid = RasterGrid(src.crs, src.transform, src.width, src.height)
    cx = grid.transform.c + 40.3 * grid.transform.a
    cy = grid.transform.f + 45.7 * grid.transform.e
    circle = Point(cx, cy).buffer(15_000, 256)
    left, top = grid.transform.c + 10 * grid.resolution[0], grid.transform.f - 20 * grid.resolution[1]
    square = box(left, top - 12 * grid.resolution[1], left + 8 * grid.resolution[0], top)
    zones = gpd.GeoDataFrame({"id": ["circle", "square"]}, geometry=[circle, square],
                             crs=grid.crs)
    expected = {"circle": data[_centre_mask(grid, (cx, cy), 15_000)],
                "square": data[20:32, 10:18]}
    for stats in (zonal_statistics(built.path("slope"), zones=zones),
                  zonal_statistics_array(data, grid=grid, zones=zones)):
        for s in stats:
            values = expected[s.zone_id]
            assert s.count == values.size
            assert s.mean == pytest.approx(float(values.mean()), rel=1e-6)
            assert s.min == pytest.approx(float(values.min()))
            assert s.percentiles["p90"] == pytest.approx(float(np.percentile(values, 90)))


def test_zonal_of_one_user_polygon(built: BuildResult) -> None:
    """One lon/lat polygon gives one result; one outside the raster raises EmptyZoneError."""
    [stats] = zonal_statistics(built.path("terrain"), zones=box(103.7, 22.2, 103.9, 22.4))
    assert stats.count > 0 and stats.max is not None and stats.max > 2000
    with pytest.raises(EmptyZoneError):
        zonal_statistics(built.path("terrain"), zones=box(1.0, 1.0, 2.0, 2.0))


def test_zones_without_geometry_or_pixels_are_reported(built: BuildResult) -> None:
    """A null zone and a point zone: count 0 with a note, and the touched pixel."""
    zones = gpd.GeoDataFrame({"id": ["null", "point"]},
                             geometry=[None, Point(*LAO_CAI_CITY)], crs=4326)
    null, point = zonal_statistics(built.path("slope"), zones=zones)
    assert null.count == 0 and null.note == "zone has no geometry"
    assert point.count >= 1 and point.mean is not None


def test_suitability_excludes_water(built: BuildResult,
                                    rivers: gpd.GeoDataFrame) -> None:
    """Pixels on the Red River have no suitability score."""
    river_point = rivers.geometry.iloc[0].interpolate(0.5, normalized=True)
    value = point_value(built.path("suitability"), x=river_point.x, y=river_point.y)
    assert value.value is None

"""The raster service: builds from a store once per revision, falls back without a usable DEM."""

from __future__ import annotations

import struct
from pathlib import Path

import geopandas as gpd
import pytest
from raster_constants import DEM_TIF, LAO_CAI_CITY, MERGED_BOUNDARY, RIVERS
from shapely.geometry import Point, box
from tests.conftest import DATA_DIR

from geo_industry.raster import TerrainNotConfiguredError, UnknownProductError
from geo_industry.raster.service import DEFAULT_RESOLUTION_WITHOUT_DEM_M, RasterService, area_of_interest
from geo_industry.settings import Settings
from geo_industry.store import EmbeddedStore


class _EditedStore:
    """The embedded store seen through a revision counter, as an editable backend shows it."""

    def __init__(self, store: EmbeddedStore) -> None:
        self._store, self.value = store, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def revision(self) -> int:
        return self.value


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    """The repository's embedded data."""
    return EmbeddedStore.from_settings(Settings(data_dir=DATA_DIR, _env_file=None))  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def with_dem(store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> RasterService:
    """A service built on the shared DEM, rivers and 2025 boundary."""
    service = RasterService(out_dir=tmp_path_factory.mktemp("with-dem"), dem_path=DEM_TIF, rivers_path=RIVERS,
                            boundary_path=MERGED_BOUNDARY)
    service.update(store)
    yield service
    service.close()


def test_with_a_dem_every_product_is_built(with_dem: RasterService) -> None:
    ids = {p.id for p in with_dem.products}
    assert {"terrain", "slope", "hillshade", "suitability", "distance_border_gate"} <= ids
    assert with_dem.terrain_note is None
    assert with_dem.reader("slope").point(x=LAO_CAI_CITY[0], y=LAO_CAI_CITY[1]).value is not None


def test_every_zone_is_assessed_with_a_slope(with_dem: RasterService, store: EmbeddedStore) -> None:
    ids = {str(i) for layer in ("industrial_zones", "industrial_clusters") for i in store.frame(layer)["id"]}
    assert {a.zone_id for a in with_dem.assessments} == ids
    assert any(a.mean_slope_deg is not None for a in with_dem.assessments)


def test_zone_table_is_flat_and_ranked(with_dem: RasterService) -> None:
    table = with_dem.zone_table()
    assert len(table) == len(with_dem.assessments)
    assert {"dist_border_gate_km", "mean_slope_deg", "suitability_score", "rank", "explanation", "layer"} <= set(table)
    assert sorted(table["rank"]) == list(range(1, len(table) + 1))


def test_same_revision_is_not_rebuilt_and_a_new_one_is(with_dem: RasterService, store: EmbeddedStore) -> None:
    assert with_dem.update(store) is False
    edited = _EditedStore(store)
    edited.value = 7
    assert with_dem.update(edited) is True and with_dem.revision == 7
    assert with_dem.result is not None and with_dem.result.rebuilt is False  # same inputs: the manifest says so


def test_static_image_is_web_mercator_png(with_dem: RasterService) -> None:
    png, (west, south, east, north) = with_dem.reader("hillshade").preview(max_size=256)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and max(struct.unpack(">II", png[16:24])) <= 256
    assert west < LAO_CAI_CITY[0] < east and south < LAO_CAI_CITY[1] < north


@pytest.mark.parametrize("dem", [None, Path("pyproject.toml"), Path("no-such-dem.tif")])
def test_without_a_usable_dem_the_rest_is_built(store: EmbeddedStore, tmp_path: Path, dem: Path | None) -> None:
    service = RasterService(out_dir=tmp_path, dem_path=dem)
    try:
        service.update(store)
        assert "suitability" in {p.id for p in service.products}
        assert service.product("suitability").resolution_m == DEFAULT_RESOLUTION_WITHOUT_DEM_M
        assert "GEO_INDUSTRY_DEM_PATH" in (service.terrain_note or "")
        with pytest.raises(TerrainNotConfiguredError, match="GEO_INDUSTRY_DEM_PATH"):
            service.reader("slope")
        assert all(a.mean_slope_deg is None for a in service.assessments)
    finally:
        service.close()


def test_unknown_product(with_dem: RasterService) -> None:
    with pytest.raises(UnknownProductError, match="not one of"):
        with_dem.product("elevation_ft")


def test_area_of_interest_without_boundary_covers_the_features_with_a_margin() -> None:
    sites = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(104.0, 22.0), Point(104.2, 22.3)],
                             crs="EPSG:4326")
    area = area_of_interest({"mines": sites})
    assert area.contains(box(103.95, 21.95, 104.25, 22.35))  # ≈ 10 km beyond the extent
    assert not area.contains(Point(104.0, 21.8))


def test_products_built_apart_are_the_products_built_in_process(with_dem: RasterService, store: EmbeddedStore,
                                                                tmp_path: Path) -> None:
    apart = RasterService(out_dir=tmp_path, dem_path=DEM_TIF, rivers_path=RIVERS, boundary_path=MERGED_BOUNDARY,
                          build_apart=True)
    try:
        apart.update(store)
        assert apart.result is not None and with_dem.result is not None
        assert apart.result.rebuilt  # written by the interpreter started for it, into its own folder
        assert apart.result.manifest == with_dem.result.manifest
        point = {"x": LAO_CAI_CITY[0], "y": LAO_CAI_CITY[1]}
        assert apart.reader("slope").point(**point) == with_dem.reader("slope").point(**point)
        assert apart.assessments == with_dem.assessments
    finally:
        apart.close()


def test_a_build_apart_refused_a_dem_and_built_the_rest(store: EmbeddedStore, tmp_path: Path) -> None:
    apart = RasterService(out_dir=tmp_path, dem_path=Path("pyproject.toml"), build_apart=True)
    try:
        apart.update(store)  # the DEM's error crossed from the build's interpreter to the fallback
        assert "could not be used" in (apart.terrain_note or "")
        assert "suitability" in {p.id for p in apart.products}
    finally:
        apart.close()

"""Fixtures for the API tests: one small real dataset on disk and the real app over it.

The suite runs against the repository's ``data/`` when it holds a catalog, else against the
tiny dataset below; ``GEO_INDUSTRY_TEST_DATA=fixture`` or ``=real`` forces one. Tests compute
their expectations from the core (the store), so they hold on either dataset.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from tests.conftest import DEM_TIF, MERGED_BOUNDARY, RIVERS

from geo_industry.api import create_app
from geo_industry.api.state import state_of
from geo_industry.settings import Settings, default_data_dir
from geo_industry.store import EmbeddedStore

REAL_DATA_DIR = default_data_dir()

_SOURCE = "https://laocai.gov.vn/example-source"


def _title(vi: str, en: str) -> dict[str, str]:
    return {"vi": vi, "en": en}


def _field(name: str, kind: str, vi: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, "title": _title(vi, en), **extra}


COMMON_FIELDS = [
    _field("id", "string", "Mã", "Id"),
    _field("kind", "string", "Loại", "Kind"),
    _field("name_vi", "string", "Tên", "Name (Vietnamese)"),
    _field("name_en", "string", "Tên tiếng Anh", "Name (English)"),
    _field("name_search", "string", "Tên tìm kiếm", "Search name"),
    _field("former_province", "string", "Tỉnh cũ", "Former province", enum=["lao_cai", "yen_bai"]),
    _field("status", "string", "Trạng thái", "Status",
           enum=["planned", "approved", "under_construction", "operating", "unknown"]),
    _field("operator", "string", "Chủ đầu tư", "Operator"),
    _field("capacity_value", "number", "Công suất", "Capacity"),
    _field("capacity_unit", "string", "Đơn vị công suất", "Capacity unit"),
    _field("area_ha", "number", "Diện tích", "Area", unit="ha"),
    _field("start_year", "integer", "Năm bắt đầu", "Start year"),
    _field("sources", "array", "Nguồn", "Sources"),
    _field("as_of", "string", "Thời điểm", "As of"),
    _field("coord_precision", "string", "Độ chính xác toạ độ", "Coordinate precision"),
]


def _layer(layer_id: str, vi: str, en: str, geometry_type: str, temporal: str | None) -> dict[str, Any]:
    return {
        "id": layer_id, "title": _title(vi, en),
        "description": _title(f"Lớp {vi.lower()} (dữ liệu thử)", f"{en} layer (test data)"),
        "keywords": [layer_id], "geometry_type": geometry_type, "crs": "OGC:CRS84", "as_of": "2025",
        "licence": "CC-BY-4.0", "attribution": "geo-industry tests", "sources": [_SOURCE],
        "temporal_field": temporal, "fields": COMMON_FIELDS,
    }


def _feature(fid: str, geometry: dict[str, Any] | None, **props: Any) -> dict[str, Any]:
    base = {"id": fid, "name_search": fid.replace("-", " "), "former_province": "lao_cai",
            "sources": [_SOURCE, f"{_SOURCE}/{fid}"], "as_of": "2025", "coord_precision": "source-exact"}
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": {**base, **props}}


def _square(x: float, y: float, d: float) -> dict[str, Any]:
    ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def _point(x: float, y: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [x, y]}


FIXTURE_LAYERS: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {
    "industrial_zones": (
        _layer("industrial_zones", "Khu công nghiệp", "Industrial zones", "Polygon", "start_year"),
        [
            _feature("iz-tang-loong", _square(104.05, 22.40, 0.03), kind="industrial_zone",
                     name_vi="KCN Tằng Loỏng", name_en="Tang Loong Industrial Zone", status="operating",
                     operator="BQL KKT Lào Cai", area_ha=1100.0, start_year=2003),
            _feature("iz-dong-pho-moi", _square(103.98, 22.45, 0.02), kind="industrial_zone",
                     name_vi="KCN Đông Phố Mới", name_en="Dong Pho Moi Industrial Zone", status="operating",
                     area_ha=95.0, start_year=2004),
            _feature("iz-bac-duyen-hai", _square(103.95, 22.50, 0.02), kind="industrial_zone",
                     name_vi="KCN Bắc Duyên Hải", name_en="Bac Duyen Hai Industrial Zone", status="operating",
                     area_ha=107.5, start_year=2007),
            _feature("iz-van-yen", _square(104.70, 21.85, 0.04), kind="industrial_zone",
                     name_vi="KCN Văn Yên", name_en="Van Yen Industrial Zone", status="planned",
                     former_province="yen_bai", area_ha=250.0, start_year=2021),
            _feature("iz-minh-quan", _square(104.85, 21.70, 0.03), kind="industrial_zone",
                     name_vi="KCN Minh Quân", name_en="Minh Quan Industrial Zone", status="approved",
                     former_province="yen_bai", area_ha=None, start_year=None),
        ],
    ),
    "mines": (
        _layer("mines", "Mỏ khoáng sản", "Mines", "Point", "start_year"),
        [
            _feature("mine-sin-quyen", _point(103.8167, 22.6167), kind="mine", name_vi="Mỏ đồng Sin Quyền",
                     name_en="Sin Quyen copper mine", status="operating", operator="VIMICO",
                     capacity_value=1100000.0, capacity_unit="t/yr", start_year=2006),
            _feature("mine-ta-phoi", _point(103.95, 22.42), kind="mine", name_vi="Mỏ đồng Tả Phời",
                     name_en="Ta Phoi copper mine", status="under_construction", capacity_value=500000.0,
                     capacity_unit="t/yr", start_year=2019),
            _feature("mine-cam-duong", _point(104.02, 22.38), kind="mine", name_vi="Mỏ apatit Cam Đường",
                     name_en="Cam Duong apatite mine", status="operating", capacity_value=2500000.0,
                     capacity_unit="t/yr", start_year=1940),
            _feature("mine-quy-sa", _point(104.12, 22.15), kind="mine", name_vi="Mỏ sắt Quý Sa",
                     name_en="Quy Sa iron mine", status="operating", capacity_value=2000000.0,
                     capacity_unit="t/yr", start_year=2008),
            _feature("mine-unknown-site", None, kind="mine", name_vi="Điểm mỏ chưa rõ vị trí",
                     name_en="Mine of unknown location", status="unknown", coord_precision="none"),
        ],
    ),
    "transport": (
        _layer("transport", "Giao thông", "Transport", "LineString", None),
        [
            _feature("tr-noi-bai-lao-cai", {"type": "LineString", "coordinates": [
                [103.97, 22.49], [104.30, 22.10], [104.90, 21.60]]}, kind="transport",
                     name_vi="Cao tốc Nội Bài – Lào Cai", name_en="Noi Bai – Lao Cai expressway",
                     status="operating", start_year=2014),
            _feature("tr-railway", {"type": "LineString", "coordinates": [
                [103.96, 22.50], [104.40, 22.00], [104.95, 21.65]]}, kind="transport",
                     name_vi="Đường sắt Hà Nội – Lào Cai", name_en="Hanoi – Lao Cai railway",
                     status="operating", start_year=1906),
        ],
    ),
}

STATISTICS_ROWS = [
    *[("ore_output", "mine-sin-quyen", year, "FY", value, "t", "actual", "n/a")
      for year, value in ((2019, 1_050_000), (2020, 1_080_000), (2021, 1_120_000), (2022, 1_150_000))],
    ("ore_output", "mine-sin-quyen", 2022, "FY", 1_200_000, "t", "target", "n/a"),
    ("ore_output", "mine-cam-duong", 2022, "FY", 2_300_000, "t", "actual", "n/a"),
    ("occupancy_rate", "iz-tang-loong", 2023, "FY", 78.5, "percent", "actual", "n/a"),
    *[("industrial_production_value", "admin:10:pre-2025-07-01", year, "FY", value, "bn_vnd", "actual",
       "constant_2010") for year, value in ((2020, 51_000), (2021, 56_500), (2022, 61_200))],
    ("industrial_production_value", "admin:10:pre-2025-07-01", 2023, "H1", 33_000, "bn_vnd", "actual",
     "constant_2010"),
    ("revenue", "org:vimico", 2022, "FY", 5_400, "bn_vnd", "estimate", "current"),
]
STATISTICS_HEADER = ["indicator", "entity", "year", "period", "value", "unit", "basis", "price_basis",
                     "source", "note"]
ENTITIES = [
    ("admin:10:pre-2025-07-01", "admin_unit", "Tỉnh Lào Cai (cũ)", "Lao Cai province (former)", "10",
     "pre-2025-07-01", ""),
    ("admin:15:pre-2025-07-01", "admin_unit", "Tỉnh Yên Bái (cũ)", "Yen Bai province (former)", "15",
     "pre-2025-07-01", ""),
    ("admin:15:2025-07-01", "admin_unit", "Tỉnh Lào Cai", "Lao Cai province", "15", "2025-07-01", ""),
    ("org:vimico", "organisation", "VIMICO", "Vinacomin Minerals Holding", "", "", ""),
]


def write_fixture_data(root: Path) -> Path:
    """Write the tiny dataset (3 layers, statistics, entities) under ``root`` and return it."""
    geo = root / "geo"
    geo.mkdir(parents=True)
    catalog = {"layers": [meta for meta, _ in FIXTURE_LAYERS.values()]}
    (geo / "catalog.json").write_bytes(orjson.dumps(catalog))
    for layer_id, (_, features) in FIXTURE_LAYERS.items():
        collection = {"type": "FeatureCollection", "features": features}
        (geo / f"{layer_id}.geojson").write_bytes(orjson.dumps(collection))
    with (root / "statistics.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(STATISTICS_HEADER)
        for row in STATISTICS_ROWS:
            writer.writerow([*row, _SOURCE, ""])
    with (root / "entities.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["entity", "entity_type", "name_vi", "name_en", "admin_code", "admin_vintage", "note"])
        writer.writerows(ENTITIES)
    return root


def _use_real_data() -> bool:
    choice = os.environ.get("GEO_INDUSTRY_TEST_DATA", "").lower()
    if choice in ("fixture", "real"):
        return choice == "real"
    return (REAL_DATA_DIR / "geo" / "catalog.json").exists()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data folder under test: the repository's data, or the tiny fixture dataset."""
    if _use_real_data():
        return REAL_DATA_DIR
    return write_fixture_data(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def settings(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings built explicitly (no environment, no .env file); rasters built in a temporary folder."""
    return Settings(data_dir=data_dir, cors_origins=["https://planner.example.vn"],
                    raster_dir=tmp_path_factory.mktemp("rasters"), _env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def dem_client(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The real app with the shared DEM and rivers configured (terrain products built once per session)."""
    settings = Settings(data_dir=data_dir, dem_path=DEM_TIF, rivers_path=RIVERS, boundary_path=MERGED_BOUNDARY,
                        raster_dir=tmp_path_factory.mktemp("dem-rasters"), _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    """A TestClient on the real app, lifespan run (store opened once per session)."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def store(client: TestClient) -> EmbeddedStore:
    """The store the app opened, to compute expectations with the core."""
    return state_of(client.app).opened()  # type: ignore[return-value]


@pytest.fixture(scope="session")
def layer_ids(store: EmbeddedStore) -> list[str]:
    """Every spatial collection id."""
    return [meta.id for meta in store.collections()]

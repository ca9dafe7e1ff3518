"""Fixtures of the map tests: one tiny dataset following docs/data-model.md.

The sites are real places of Lào Cai with rounded coordinates; the values are small and
illustrative, chosen to exercise each style class, approximate locations and a missing geometry.
Reference layers (boundary, rivers) are the shared fixtures in ``../shared/fixtures``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon

from geo_industry.maps.base import PageContext
from geo_industry.maps.data import MapData, ReferenceLayer

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"
BOUNDARY = SHARED_FIXTURES / "laocai_2025_merged.geojson"
RIVERS = SHARED_FIXTURES / "laocai_rivers.geojson"

COMMON = {
    "former_province": "lao_cai",
    "province_code": "15",
    "admin_vintage": "2025-07-01",
    "legacy_province_code": "10",
    "status_note": None,
    "capacity_note": None,
    "area_ha_alternatives": None,
    "as_of": "2025",
    "geometry_note": None,
    "coord_radius_km": None,
}


def _site(**fields: object) -> dict[str, object]:
    return {**COMMON, **fields}


def _frame(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


TANG_LOONG = Polygon([(104.05, 22.40), (104.09, 22.40), (104.09, 22.43), (104.05, 22.43)])

ZONES = [
    _site(
        id="kcn_tang_loong",
        kind="industrial_zone",
        name_vi="Khu công nghiệp Tằng Loỏng",
        name_en="Tang Loong Industrial Zone",
        name_search="khu cong nghiep tang loong tang loong industrial zone",
        district="Bảo Thắng",
        status="operating",
        operator="Ban Quản lý KKT",
        sector="metallurgy, chemicals",
        capacity_value=None,
        capacity_unit=None,
        area_ha=1100.0,
        area_basis="established",
        start_year=2003,
        sources=["https://example.org/tang-loong"],
        coord_precision="surveyed-outline",
        geometry_quality="surveyed",
        occupancy_pct=85.0,
        geometry=TANG_LOONG,
    ),
    _site(
        id="kcn_bac_duyen_hai",
        kind="industrial_zone",
        name_vi="Khu công nghiệp Bắc Duyên Hải",
        name_en="Bac Duyen Hai Industrial Zone",
        name_search="khu cong nghiep bac duyen hai bac duyen hai industrial zone",
        district="TP Lào Cai",
        status="operating",
        operator=None,
        sector="mixed",
        capacity_value=None,
        capacity_unit=None,
        area_ha=88.0,
        area_basis="planned",
        start_year=2001,
        sources=[],
        coord_precision="estimated-2km",
        coord_radius_km=2.0,
        geometry_quality="approximate",
        occupancy_pct=40.0,
        geometry=Point(103.99, 22.46),
    ),
    _site(
        id="kcn_unknown",
        kind="industrial_zone",
        name_vi="Khu công nghiệp Đông Phố Mới",
        name_en="Dong Pho Moi Industrial Zone",
        name_search="khu cong nghiep dong pho moi dong pho moi industrial zone",
        district="TP Lào Cai",
        status="planned",
        operator=None,
        sector=None,
        capacity_value=None,
        capacity_unit=None,
        area_ha=None,
        area_basis="unknown",
        start_year=None,
        sources=[],
        coord_precision="none",
        geometry_quality=None,
        occupancy_pct=None,
        geometry=None,
    ),
]
MINES = [
    _site(
        id="mine_sin_quyen",
        kind="mine",
        name_vi="Mỏ đồng Sin Quyền",
        name_en="Sin Quyen copper mine",
        name_search="mo dong sin quyen sin quyen copper mine",
        district="Bát Xát",
        status="operating",
        operator="VIMICO",
        sector="copper",
        commodity="copper_ore",
        capacity_value=1.1,
        capacity_unit="Mt/yr",
        area_ha=None,
        area_basis=None,
        start_year=2006,
        sources=["https://example.org/sin-quyen"],
        coord_precision="source-exact",
        geometry_quality="surveyed",
        geometry=Point(103.83, 22.61),
    ),
    _site(
        id="mine_ta_phoi",
        kind="mine",
        name_vi="Mỏ đồng Tả Phời",
        name_en="Ta Phoi copper mine",
        name_search="mo dong ta phoi ta phoi copper mine",
        district="TP Lào Cai",
        status="under_construction",
        operator="VIMICO",
        sector="copper",
        commodity="copper_ore",
        capacity_value=None,
        capacity_unit=None,
        area_ha=None,
        area_basis=None,
        start_year=None,
        sources=[],
        coord_precision="estimated-3km",
        coord_radius_km=3.0,
        geometry_quality="approximate",
        geometry=Point(103.94, 22.40),
    ),
    _site(
        id="mine_cam_duong",
        kind="mine",
        name_vi="Mỏ apatit Cam Đường",
        name_en="Cam Duong apatite mine",
        name_search="mo apatit cam duong cam duong apatite mine",
        district="TP Lào Cai",
        status="operating",
        operator="Apatit Việt Nam",
        sector="apatite",
        commodity="apatite",
        capacity_value=None,
        capacity_unit=None,
        area_ha=None,
        area_basis=None,
        start_year=1940,
        sources=[],
        coord_precision="source-derived",
        geometry_quality="approximate",
        geometry=Point(104.01, 22.42),
    ),
    _site(
        id="mine_quy_sa",
        kind="mine",
        name_vi="Mỏ sắt Quý Sa",
        name_en="Quy Sa iron mine",
        name_search="mo sat quy sa quy sa iron mine",
        district="Văn Bàn",
        status="operating",
        operator="VTM",
        sector="iron ore",
        commodity="iron_ore",
        capacity_value=None,
        capacity_unit=None,
        area_ha=None,
        area_basis=None,
        start_year=2010,
        sources=[],
        coord_precision="source-exact",
        geometry_quality="surveyed",
        geometry=Point(104.20, 22.15),
    ),
]
PLANTS = [
    _site(
        id="plant_tang_loong_smelter",
        kind="processing_plant",
        name_vi="Nhà máy luyện đồng Tằng Loỏng",
        name_en="Tang Loong copper smelter",
        name_search="nha may luyen dong tang loong tang loong copper smelter",
        district="Bảo Thắng",
        status="operating",
        operator="VIMICO",
        sector="copper smelting",
        plant_type="smelter",
        product="copper cathode",
        capacity_value=30000,
        capacity_unit="t/yr",
        area_ha=None,
        area_basis=None,
        start_year=2008,
        sources=["https://example.org/smelter"],
        coord_precision="source-exact",
        geometry_quality="surveyed",
        geometry=Point(104.07, 22.41),
    ),
    _site(
        id="plant_dap",
        kind="processing_plant",
        name_vi="Nhà máy DAP số 2",
        name_en="DAP No. 2 plant",
        name_search="nha may dap so 2 dap no. 2 plant",
        district="Bảo Thắng",
        status="operating",
        operator="DAP-Vinachem",
        sector="fertiliser",
        plant_type="fertiliser",
        product="DAP fertiliser",
        capacity_value=330000,
        capacity_unit="t/yr",
        area_ha=None,
        area_basis=None,
        start_year=2016,
        sources=[],
        coord_precision="source-derived",
        geometry_quality="approximate",
        geometry=Point(104.06, 22.42),
    ),
]
HYDRO = [
    _site(
        id="hpp_bac_ha",
        kind="hydropower",
        name_vi="Thủy điện Bắc Hà",
        name_en="Bac Ha hydropower",
        name_search="thuy dien bac ha bac ha hydropower",
        district="Bảo Yên",
        status="operating",
        operator="Bac Ha Power",
        sector="hydropower",
        river="Chảy",
        installed_mw=90.0,
        capacity_value=90.0,
        capacity_unit="MW",
        area_ha=None,
        area_basis=None,
        start_year=2012,
        sources=[],
        coord_precision="source-exact",
        geometry_quality="surveyed",
        geometry=Point(104.30, 22.35),
    ),
    _site(
        id="hpp_ngoi_phat",
        kind="hydropower",
        name_vi="Thủy điện Ngòi Phát",
        name_en="Ngoi Phat hydropower",
        name_search="thuy dien ngoi phat ngoi phat hydropower",
        district="Bát Xát",
        status="operating",
        operator="Ngoi Phat JSC",
        sector="hydropower",
        river="Ngòi Phát",
        installed_mw=72.0,
        capacity_value=72.0,
        capacity_unit="MW",
        area_ha=None,
        area_basis=None,
        start_year=2013,
        sources=[],
        coord_precision="estimated-5km",
        coord_radius_km=5.0,
        geometry_quality="approximate",
        geometry=Point(103.60, 22.55),
    ),
    _site(
        id="hpp_small",
        kind="hydropower",
        name_vi="Thủy điện Nậm Khóa",
        name_en="Nam Khoa hydropower",
        name_search="thuy dien nam khoa nam khoa hydropower",
        district="Bắc Hà",
        status="operating",
        operator=None,
        sector="hydropower",
        river=None,
        installed_mw=12.0,
        capacity_value=12.0,
        capacity_unit="MW",
        area_ha=None,
        area_basis=None,
        start_year=2009,
        sources=[],
        coord_precision="source-exact",
        geometry_quality="surveyed",
        geometry=Point(104.28, 22.60),
    ),
]
GATES = [
    _site(
        id="bg_lao_cai",
        kind="border_gate",
        name_vi="Cửa khẩu quốc tế Lào Cai",
        name_en="Lao Cai International Border Gate",
        name_search="cua khau quoc te lao cai lao cai international border gate",
        district="TP Lào Cai",
        status="operating",
        operator=None,
        sector="trade",
        gate_class="international",
        counterpart_cn="Hekou",
        capacity_value=None,
        capacity_unit=None,
        area_ha=None,
        area_basis=None,
        start_year=1993,
        sources=[],
        coord_precision="source-exact",
        geometry_quality="surveyed",
        geometry=Point(103.965, 22.505),
    ),
]
TRANSPORT = [
    _site(
        id="rail_hanoi_lao_cai",
        kind="transport",
        name_vi="Đường sắt Hà Nội – Lào Cai",
        name_en="Hanoi–Lao Cai railway",
        name_search="duong sat ha noi lao cai hanoi lao cai railway",
        district=None,
        status="operating",
        operator="VNR",
        sector="rail",
        transport_type="railway",
        capacity_value=None,
        capacity_unit=None,
        area_ha=None,
        area_basis=None,
        start_year=1906,
        sources=[],
        coord_precision="source-derived",
        geometry_quality="digitised",
        geometry=LineString([(103.97, 22.50), (104.07, 22.41), (104.5, 22.0), (104.9, 21.7)]),
    ),
    _site(
        id="station_lao_cai",
        kind="transport",
        name_vi="Ga Lào Cai",
        name_en="Lao Cai station",
        name_search="ga lao cai lao cai station",
        district="TP Lào Cai",
        status="operating",
        operator="VNR",
        sector="rail",
        transport_type="rail_station",
        capacity_value=None,
        capacity_unit=None,
        area_ha=None,
        area_basis=None,
        start_year=1906,
        sources=[],
        coord_precision="source-exact",
        geometry_quality="surveyed",
        geometry=Point(103.97, 22.49),
    ),
    _site(
        id="expressway_noi_bai_lao_cai",
        kind="transport",
        name_vi="Cao tốc Nội Bài – Lào Cai",
        name_en="Noi Bai–Lao Cai expressway",
        name_search="cao toc noi bai lao cai noi bai lao cai expressway",
        district=None,
        status="operating",
        operator="VEC",
        sector="road",
        transport_type="expressway",
        capacity_value=None,
        capacity_unit=None,
        area_ha=None,
        area_basis=None,
        start_year=2014,
        sources=[],
        coord_precision="source-derived",
        geometry_quality="digitised",
        geometry=LineString([(103.98, 22.47), (104.3, 22.2), (104.8, 21.75)]),
    ),
]

_S = "https://example.org/stats"


def _stat(indicator, entity, year, value, unit, basis="actual", price_basis="n/a", period="FY"):
    return {
        "indicator": indicator,
        "entity": entity,
        "year": year,
        "period": period,
        "value": value,
        "unit": unit,
        "basis": basis,
        "price_basis": price_basis,
        "source": _S,
        "note": None,
    }


STATISTICS = [
    *(
        _stat("copper_cathode_output", "plant_tang_loong_smelter", y, v, "t")
        for y, v in ((2020, 26000), (2021, 28500), (2022, 29800), (2023, 27000))
    ),
    _stat("copper_cathode_output", "plant_tang_loong_smelter", 2024, 30000, "t", basis="target"),
    *(
        _stat("copper_concentrate_output", "mine_sin_quyen", y, v, "t")
        for y, v in ((2021, 120000), (2022, 118000), (2023, 121000))
    ),
    _stat("electricity_output", "hpp_bac_ha", 2023, 385.0, "million_kwh"),
    _stat("electricity_output", "hpp_ngoi_phat", 2023, 310.0, "million_kwh"),
    _stat("electricity_output", "hpp_bac_ha", 2022, 360.0, "million_kwh"),
    _stat("occupancy_rate", "kcn_tang_loong", 2024, 85.0, "percent"),
    *(
        _stat("industrial_production_value", "admin:10:pre-2025-07-01", y, v, "bn_vnd", price_basis="constant_2010")
        for y, v in ((2020, 42000), (2021, 46000), (2022, 51000), (2023, 55000))
    ),
    _stat(
        "industrial_production_value",
        "admin:10:pre-2025-07-01",
        2023,
        56000,
        "bn_vnd",
        basis="target",
        price_basis="constant_2010",
    ),
    _stat(
        "industrial_production_value",
        "admin:10:pre-2025-07-01",
        2024,
        61000,
        "bn_vnd",
        basis="target",
        price_basis="constant_2010",
    ),
]

TITLES = {
    "industrial_zones": {"vi": "Khu công nghiệp", "en": "Industrial zones"},
    "industrial_clusters": {"vi": "Cụm công nghiệp", "en": "Industrial clusters"},
    "mines": {"vi": "Mỏ khoáng sản", "en": "Mines"},
    "processing_plants": {"vi": "Nhà máy chế biến", "en": "Processing plants"},
    "hydropower_plants": {"vi": "Nhà máy thủy điện", "en": "Hydropower plants"},
    "border_gates": {"vi": "Cửa khẩu", "en": "Border gates"},
    "transport": {"vi": "Giao thông", "en": "Transport"},
}


def make_map_data(*, reference: bool = True) -> MapData:
    """The fixture dataset as :class:`MapData`, optionally with the shared reference layers."""
    layers = {
        "industrial_zones": _frame(ZONES),
        "mines": _frame(MINES),
        "processing_plants": _frame(PLANTS),
        "hydropower_plants": _frame(HYDRO),
        "border_gates": _frame(GATES),
        "transport": _frame(TRANSPORT),
    }
    refs: tuple[ReferenceLayer, ...] = ()
    if reference:
        refs = (
            ReferenceLayer("layer.boundary", gpd.read_file(BOUNDARY), "boundary", "geoBoundaries"),
            ReferenceLayer("layer.rivers", gpd.read_file(RIVERS), "rivers", "Natural Earth"),
        )
    return MapData(layers=layers, titles=TITLES, statistics=pd.DataFrame(STATISTICS), reference=refs, as_of="2025")


@pytest.fixture(scope="session")
def map_data() -> MapData:
    """Six layers of a few sites each, the statistics table and the reference layers."""
    return make_map_data()


@pytest.fixture(params=["vi", "en"])
def ctx(request: pytest.FixtureRequest) -> PageContext:
    """A server-mode page context in each data language, offline basemap."""
    return PageContext(lang=request.param)

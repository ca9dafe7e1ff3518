"""Field schemas of the curated layers, as ``catalog.json`` lists them (docs/data-model.md)."""

from __future__ import annotations

from typing import Any

from .facts import COMMODITY_VOCAB, STATUS_ENUM, TRANSPORT_TYPE
from .features import OUTLINE_COPIED
from .layers import KIND_TO_LAYER, OUTLINE_LAYER, ZONE_LAYERS

FieldSpec = dict[str, Any]

REQUIRED = {"id", "kind", "name_vi", "name_search", "former_province", "province_code",
            "admin_vintage", "legacy_province_code", "status", "sources", "coord_precision"}


def _field(name: str, ftype: str, vi: str, en: str, unit: str | None = None, enum: list[str] | None = None,
           items: str | None = None) -> FieldSpec:
    d: FieldSpec = {"name": name, "type": ftype, "unit": unit, "enum": enum, "title": {"vi": vi, "en": en}}
    if items:
        d["description"] = f"list of {items}"
    d["required"] = name in REQUIRED
    return d


ALT_ITEMS = "object {value: number, source: string (URL or research reference), note: string}"

COMMON_FIELDS: list[FieldSpec] = [
    _field("id", "string", "Mã định danh", "Identifier"),
    _field("kind", "string", "Loại đối tượng", "Research kind",
      enum=list(KIND_TO_LAYER)),
    _field("name_vi", "string", "Tên tiếng Việt", "Vietnamese name"),
    _field("name_en", "string", "Tên tiếng Anh", "English name"),
    _field("name_search", "string", "Tên không dấu để tìm kiếm", "ASCII search name"),
    _field("former_province", "string", "Tỉnh trước 1/7/2025", "Province before 1 July 2025",
      enum=["lao_cai", "yen_bai"]),
    _field("province_code", "string", "Mã tỉnh", "Province code", enum=["15"]),
    _field("admin_vintage", "string", "Thời điểm mã hành chính", "Admin code vintage",
      enum=["2025-07-01"]),
    _field("legacy_province_code", "string", "Mã tỉnh cũ (trước 1/7/2025)",
      "Legacy province code (before 2025-07-01)", enum=["10", "15"]),
    _field("district", "string", "Địa bàn (tên huyện cũ)", "Location text (historic district names)"),
    _field("status", "string", "Tình trạng", "Status", enum=STATUS_ENUM),
    _field("status_note", "string", "Ghi chú tình trạng (nguyên văn)", "Status as worded by the research"),
    _field("operator", "string", "Đơn vị vận hành / chủ đầu tư", "Operator / developer"),
    _field("sector", "string", "Ngành / khoáng sản (nguyên văn)", "Sector or commodity text"),
    _field("capacity_value", "number", "Công suất", "Capacity"),
    _field("capacity_unit", "string", "Đơn vị công suất", "Capacity unit"),
    _field("capacity_note", "string", "Ghi chú công suất", "Capacity qualifier"),
    _field("capacity_alternatives", "array", "Công suất khác đã công bố",
      "Other published capacities", items=ALT_ITEMS),
    _field("capacity_t_per_year", "number", "Công suất quy đổi (tấn/năm)",
      "Capacity in tonnes per year (from t, kt or Mt per year)", unit="t/yr"),
    _field("capacity_m3_per_year", "number", "Công suất quy đổi (m³/năm)",
      "Capacity in cubic metres per year", unit="m3/yr"),
    _field("capacity_mw", "number", "Công suất quy đổi (MW)", "Capacity in megawatts", unit="MW"),
    _field("capacity_passengers_per_year", "number", "Công suất quy đổi (hành khách/năm)",
      "Capacity in passengers per year", unit="passengers/yr"),
    _field("area_ha", "number", "Diện tích", "Area", unit="ha"),
    _field("area_basis", "string", "Cơ sở diện tích", "Area basis",
      enum=["planned", "established", "adjusted", "licensed", "computed", "unknown"]),
    _field("area_ha_alternatives", "array", "Diện tích khác đã công bố", "Other published areas",
      unit="ha", items=ALT_ITEMS),
    _field("start_year", "integer", "Năm thành lập / vận hành", "Year established / commissioned",
      unit="year"),
    _field("start_year_alternatives", "array", "Năm khác đã công bố", "Other published years",
      unit="year", items=ALT_ITEMS),
    _field("sources", "array", "Nguồn", "Sources", items="string (URL)"),
    _field("as_of", "string", "Thời điểm số liệu", "As of (ISO year, year-month or date)"),
    _field("as_of_note", "string", "Cơ sở của thời điểm", "How as_of was chosen"),
    _field("coord_precision", "string", "Độ chính xác toạ độ", "Coordinate precision label",
      enum=None),  # filled per layer with the labels present (estimated-Nkm spelled out)
    _field("coord_radius_km", "number", "Bán kính sai số", "Honest radius of estimated-Nkm", unit="km"),
    _field("geometry_quality", "string", "Chất lượng hình học", "Geometry quality",
      enum=["surveyed", "digitised", "approximate"]),
    _field("geometry_note", "string", "Cách tạo hình học", "How the geometry was made"),
    _field("research_note", "string", "Ghi chú của nghiên cứu", "Note of the research (sites table)"),
]

ZONE_FIELDS = [
    _field("zone_type", "string", "Loại khu", "Zone type",
      enum=["industrial_zone", "border_economic_zone", "border_ez_subzone", "industrial_cluster"]),
    _field("in_economic_zone", "string", "Thuộc khu kinh tế", "Inside economic zone (feature id)"),
    _field("establishment_decision", "string", "Quyết định thành lập", "Establishment decision"),
    _field("investment_policy_decision", "string", "Quyết định chủ trương đầu tư",
      "Investment-policy decision"),
    _field("planning_decision", "string", "Quyết định quy hoạch", "Planning decision"),
    _field("priority_sectors", "string", "Ngành ưu tiên", "Priority sectors"),
    _field("investment_capital_bn_vnd", "number", "Vốn đầu tư hạ tầng", "Infrastructure capital",
      unit="bn_vnd"),
    _field("operating_term_years", "integer", "Thời hạn hoạt động", "Operating term", unit="year"),
    _field("industrial_land_ha", "number", "Đất công nghiệp", "Industrial land", unit="ha"),
    _field("occupancy_pct", "number", "Tỷ lệ lấp đầy", "Occupancy", unit="percent"),
    _field("occupancy_note", "string", "Ghi chú lấp đầy", "Occupancy qualifier"),
    _field("occupancy_as_of", "string", "Thời điểm lấp đầy", "Occupancy as of"),
    _field("zone_note", "string", "Thông tin khác", "Other facts"),
    _field("published_area_ha", "number", "Diện tích công bố của ranh giới",
      "Published area of the surveyed outline", unit="ha"),
    _field("computed_area_ha", "number", "Diện tích tính từ ranh giới",
      "Ellipsoidal area computed from the outline", unit="ha"),
    _field("outline_id", "string", "Ranh giới đo đạc (mã trong zone_outlines)",
      "Surveyed outline (feature id in zone_outlines)"),
]
OUTLINE_FIELDS = [
    _field("id", "string", "Mã định danh", "Identifier"),
    _field("kind", "string", "Loại đối tượng", "Kind", enum=["zone_outline"]),
    _field("site_id", "string", "Mã khu/cụm", "Zone or cluster (feature id)"),
    _field("site_layer", "string", "Lớp của khu/cụm", "Layer of the zone or cluster",
      enum=list(ZONE_LAYERS)),
] + [next(f for f in COMMON_FIELDS if f["name"] == name) for name in OUTLINE_COPIED] + [
    _field("published_area_ha", "number", "Diện tích công bố của ranh giới",
      "Published area of the surveyed outline", unit="ha"),
    _field("computed_area_ha", "number", "Diện tích tính từ ranh giới",
      "Ellipsoidal area computed from the outline", unit="ha"),
    _field("source_crs", "string", "Hệ toạ độ của bảng toạ độ gốc", "CRS of the source corner table"),
] + [next(f for f in COMMON_FIELDS if f["name"] == name) for name in (
    "sources", "as_of", "as_of_note", "coord_precision", "coord_radius_km", "geometry_quality",
    "geometry_note")]
for _outline_spec in OUTLINE_FIELDS[2:4]:
    _outline_spec["required"] = True  # site_id, site_layer
LAYER_FIELDS: dict[str, list[FieldSpec]] = {
    "industrial_zones": ZONE_FIELDS,
    "industrial_clusters": ZONE_FIELDS,
    OUTLINE_LAYER: OUTLINE_FIELDS,
    "mines": [
        _field("commodity", "string", "Khoáng sản (mã)", "Commodity (controlled slug)",
          enum=sorted(COMMODITY_VOCAB)),
        _field("mineral_group", "string", "Nhóm khoáng sản (Luật 2024)", "Mineral group (Law 2024)",
          enum=["I", "II", "III", "IV"]),
        _field("reserves_note", "string", "Trữ lượng (các nguồn)", "Reserves as given by the sources"),
    ],
    "processing_plants": [
        _field("plant_type", "string", "Loại nhà máy", "Plant type",
          enum=["smelter", "concentrator", "fertiliser", "chemical", "steel",
                "building_materials", "non_metallic_minerals", "agro_forest", "other"]),
        _field("product", "string", "Sản phẩm", "Product"),
        _field("zone_id", "string", "Nằm trong khu/cụm", "Zone or cluster (feature id)"),
    ],
    "hydropower_plants": [
        _field("installed_mw", "number", "Công suất lắp máy", "Installed capacity", unit="MW"),
        _field("river", "string", "Sông / suối", "River or stream"),
        _field("design_gwh_yr", "number", "Điện lượng thiết kế", "Design mean annual generation",
          unit="GWh/yr"),
    ],
    "border_gates": [
        _field("gate_class", "string", "Cấp cửa khẩu", "Gate class",
          enum=["international", "main", "secondary", "clearance_point"]),
        _field("counterpart_cn", "string", "Cửa khẩu đối diện (Trung Quốc)", "Chinese counterpart"),
        _field("mode", "string", "Phương thức", "Mode", enum=["road", "rail", "both"]),
        _field("gate_note", "string", "Ghi chú", "Gate facts"),
    ],
    "transport": [
        _field("transport_type", "string", "Loại công trình", "Transport type",
          enum=sorted(set(TRANSPORT_TYPE.values()))),
        _field("length_km", "number", "Chiều dài", "Length", unit="km"),
    ],
}

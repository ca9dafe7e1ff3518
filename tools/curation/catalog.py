"""``data/geo/catalog.json``: layer titles, descriptions, keywords, provenance and field schemas."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .facts import COMMODITY_VOCAB
from .fields import COMMON_FIELDS, LAYER_FIELDS, FieldSpec
from .layers import LAYERS, OUTLINE_LAYER, Feature, LayerFeatures
from .sources import ATTRIBUTION, LICENCE
from .text import radius_km

# (title (vi, en), description (vi, en), keywords) of each layer
LAYER_META: dict[str, tuple[tuple[str, str], tuple[str, str], list[str]]] = {
    "industrial_zones": (
        ("Khu công nghiệp và khu kinh tế", "Industrial zones and economic zones"),
        ("Các khu công nghiệp (KCN) đang hoạt động và quy hoạch, khu kinh tế cửa khẩu Lào Cai và "
         "khu thương mại công nghiệp Kim Thành, trên địa bàn tỉnh Lào Cai mới (gồm Yên Bái cũ). "
         "Mỗi khu là một điểm: điểm bên trong ranh giới đo đạc (lớp zone_outlines) khi có bảng "
         "toạ độ góc đã công bố, nếu không là điểm ước tính kèm bán kính sai số.",
         "Operating and planned industrial zones (KCN), the Lào Cai border-gate economic zone and "
         "the Kim Thành trade and industrial area in the merged Lào Cai province (including former "
         "Yên Bái). Each zone is a point: the point inside its surveyed outline (layer "
         "zone_outlines) where a corner table was published, else an estimated point with its "
         "uncertainty radius."),
        ["khu công nghiệp", "KCN", "industrial zone", "industrial park",
         "khu kinh tế cửa khẩu", "border-gate economic zone", "Lào Cai", "Yên Bái"],
    ),
    "industrial_clusters": (
        ("Cụm công nghiệp", "Industrial clusters"),
        ("Các cụm công nghiệp (CCN) hiện có và quy hoạch. Tỷ lệ lấp đầy theo báo cáo của Sở Công "
         "Thương ngày 18/6/2026 (chỉ khu vực Yên Bái cũ).",
         "Existing and planned industrial clusters (CCN). Occupancy per the Department of Industry "
         "and Trade report of 18 Jun 2026 (former Yên Bái clusters only)."),
        ["cụm công nghiệp", "CCN", "industrial cluster", "Lào Cai", "Yên Bái"],
    ),
    OUTLINE_LAYER: (
        ("Ranh giới khu, cụm (đo đạc)", "Zone outlines (surveyed)"),
        ("Ranh giới khu công nghiệp và cụm công nghiệp từ bảng toạ độ góc VN-2000 đã công bố; "
         "mỗi ranh giới ghi mã khu/cụm (site_id) và nguồn. Khu không có bảng toạ độ không có ranh "
         "giới ở đây.",
         "Outlines of industrial zones and clusters from published VN-2000 corner tables; each "
         "names its zone or cluster (site_id) and its source. Zones without a published corner "
         "table have no outline here."),
        ["ranh giới", "khu công nghiệp", "cụm công nghiệp", "outline", "boundary", "VN-2000"],
    ),
    "mines": (
        ("Mỏ và khu vực khoáng sản", "Mines and mineral areas"),
        ("Mỏ đồng, sắt, apatit, đất hiếm, molipđen, graphit, đá hoa, fenspat và đá quý. Điểm là "
         "tâm vùng cấp phép/quy hoạch hoặc vị trí ước tính; không phải ranh giới mỏ.",
         "Copper, iron, apatite, rare-earth, molybdenum, graphite, marble, feldspar and gem sites. "
         "Points are licence or planning-polygon centroids or estimated positions, not mine "
         "boundaries."),
        ["mỏ", "khoáng sản", "mine", "mineral", "copper", "apatite", "iron ore", "rare earth"],
    ),
    "processing_plants": (
        ("Nhà máy chế biến", "Processing plants"),
        ("Nhà máy luyện đồng, tuyển quặng, phân bón, hoá chất, gang thép, xi măng và chế biến "
         "khác.",
         "Copper smelters, concentrators, fertiliser, chemical, steel, cement and other "
         "processing plants."),
        ["nhà máy", "luyện đồng", "smelter", "fertiliser", "DAP", "phosphorus", "steel", "cement"],
    ),
    "hydropower_plants": (
        ("Nhà máy thủy điện", "Hydropower plants"),
        ("Các nhà máy thủy điện đang vận hành (theo phụ lục 27 của báo cáo điều chỉnh quy hoạch "
         "tỉnh, bản làm việc 7/6/2026), đang xây dựng và quy hoạch.",
         "Operating hydropower plants (per appendix 27 of the provincial plan adjustment, working "
         "version of 7 Jun 2026), plus plants under construction and planned."),
        ["thủy điện", "hydropower", "MW", "Lào Cai", "Yên Bái"],
    ),
    "border_gates": (
        ("Cửa khẩu và điểm thông quan", "Border gates and clearance points"),
        ("Cửa khẩu quốc tế và các điểm thông quan với Vân Nam (Trung Quốc) theo Quyết định "
         "1199/QĐ-TTg (14/10/2023).",
         "International border gates and clearance points with Yunnan (China) under Decision "
         "1199/QĐ-TTg (14 Oct 2023)."),
        ["cửa khẩu", "border gate", "Hekou", "Hà Khẩu", "Kim Thành"],
    ),
    "transport": (
        ("Giao thông", "Transport"),
        ("Đường cao tốc, đường sắt, ga, sân bay, nút giao và cảng. Các tuyến không có toạ độ "
         "trong nghiên cứu nên hình học để trống.",
         "Expressway, railways, stations, airports, interchanges and ports. Lines have no "
         "coordinates in the research, so their geometry is null."),
        ["giao thông", "transport", "expressway", "railway", "airport", "CT.05"],
    ),
}


LAYER_GEOMETRY_TYPE = dict.fromkeys(LAYERS, "Point") | {OUTLINE_LAYER: "Polygon"}
"""The one geometry type of each layer (null geometries aside)."""
GEOMETRY_NOTES: dict[str, str] = {
    "industrial_zones": (
        " A zone with a surveyed outline is the point inside it (the outline is in "
        "zone_outlines, see outline_id); the others are the research's point with its precision "
        "label and radius; a declared area is a number (area_ha), never a shape."),
    "industrial_clusters": (
        " A cluster with a surveyed outline is the point inside it (the outline is in "
        "zone_outlines, see outline_id); the others are the research's point with its precision "
        "label and radius; a declared area is a number (area_ha), never a shape."),
    OUTLINE_LAYER: (
        " Surveyed outlines only, from published corner tables; each names its zone or cluster "
        "(site_id, site_layer)."),
}


def _fields(layer: str, feats: list[Feature]) -> list[FieldSpec]:
    """The layer's field specs, ``coord_precision`` listing the labels present."""
    specs = LAYER_FIELDS[layer] if layer == OUTLINE_LAYER else COMMON_FIELDS + LAYER_FIELDS[layer]
    fields = [dict(f) for f in specs]
    labels = sorted({f["properties"]["coord_precision"] for f in feats},
                    key=lambda x: (x.startswith("estimated-"), radius_km(x) or 0, x))
    for spec in fields:
        if spec["name"] == "coord_precision":
            spec["enum"] = labels
            spec["description"] = ("research label: source-exact, source-derived, "
                                   "estimated-Nkm (N = honest radius in km), proxy-district, "
                                   "none")
    return fields


def _layer_entry(layer: str, feats: list[Feature]) -> dict[str, Any]:
    gcount = Counter((f["geometry"] or {}).get("type", "null") for f in feats)
    gtype = LAYER_GEOMETRY_TYPE[layer]
    gnote = ", ".join(f"{k}: {gcount[k]}" for k in sorted(gcount))
    as_ofs = sorted(f["properties"]["as_of"] for f in feats if f["properties"]["as_of"])
    (tvi, ten), (dvi, den), kws = LAYER_META[layer]
    entry: dict[str, Any] = {}
    entry["id"] = layer
    entry["title"] = {"vi": tvi, "en": ten}
    entry["description"] = {"vi": dvi, "en": den}
    entry["keywords"] = kws
    entry["geometry_type"] = gtype
    entry["geometry_types_present"] = {k: gcount[k] for k in sorted(gcount)}
    entry["geometry_note"] = (
        f"Geometry counts: {gnote}. One geometry type per layer ({gtype}); null geometry "
        "means the research gives no coordinate." + GEOMETRY_NOTES.get(layer, ""))
    entry["feature_count"] = len(feats)
    entry["crs"] = "OGC:CRS84"
    entry["as_of"] = as_ofs[-1][:4] if as_ofs else None
    entry["licence"] = LICENCE
    entry["attribution"] = ATTRIBUTION
    entry["sources"] = sorted({s for f in feats for s in f["properties"]["sources"]})
    entry["temporal_field"] = "start_year"
    entry["fields"] = _fields(layer, feats)
    if layer == "mines":
        entry["commodity_vocabulary"] = {k: {"vi": vi, "en": en} for k, (vi, en) in sorted(COMMODITY_VOCAB.items())}
    return entry


def build_catalog(layer_features: LayerFeatures) -> dict[str, Any]:
    """``data/geo/catalog.json``: metadata and field schemas of every layer, in layer order."""
    return {"layers": [_layer_entry(layer, layer_features[layer]) for layer in LAYERS]}

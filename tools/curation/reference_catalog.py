"""``data/reference/catalog.json`` and ``README.md``: the reference group's collections and licences."""

from __future__ import annotations

from typing import Any

from geo_industry.catalog import REFERENCE_LAYER_IDS

from .fields import FieldSpec
from .layers import Feature

AS_OF = "2026"


def _field(name: str, kind: str, vi: str, en: str, enum: list[str] | None = None, unit: str | None = None,
           required: bool = False) -> FieldSpec:
    return {"name": name, "type": kind, "unit": unit, "enum": enum, "title": {"vi": vi, "en": en}, "required": required}


def _name_fields() -> list[FieldSpec]:
    return [
        _field("id", "string", "Mã định danh", "Identifier", required=True),
        _field("name_vi", "string", "Tên tiếng Việt", "Vietnamese name", required=True),
        _field("name_en", "string", "Tên tiếng Anh", "English name"),
        _field("name_zh", "string", "Tên tiếng Trung", "Chinese name"),
    ]


def _source_fields() -> list[FieldSpec]:
    return [
        _field("sources", "array", "Nguồn", "Sources"),
        _field("licence", "string", "Giấy phép", "Licence"),
        _field("attribution", "string", "Ghi công", "Attribution"),
    ]


def _value_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return "number" if isinstance(value, float) else "array" if isinstance(value, list) else "string"


def _other_fields(features: list[Feature], declared: set[str]) -> list[FieldSpec]:
    """Specs for the properties not declared by hand, typed from their values (int + float = number)."""
    kinds: dict[str, set[str]] = {}
    for f in features:
        for key, value in f["properties"].items():
            if key not in declared:
                kinds.setdefault(key, set()).update([] if value is None else [_value_type(value)])
    specs = []
    for name, types in kinds.items():
        kind = "number" if types == {"integer", "number"} else next(iter(types)) if len(types) == 1 else "string"
        unit = "km" if name.endswith("_km") else "m" if name.endswith("_m") else None
        specs.append({"name": name, "type": kind, "unit": unit, "enum": None, "title": None, "required": False})
    return specs


def _declared_fields(layer_id: str, features: list[Feature]) -> list[FieldSpec]:
    if layer_id == "boundaries":
        return _name_fields() + [
            _field("admin_level", "integer", "Cấp hành chính", "Administrative level"),
            _field("status", "string", "Hiệu lực", "Status", enum=["current", "former"]),
            _field("valid_from", "string", "Hiệu lực từ", "Valid from"),
            _field("valid_to", "string", "Hiệu lực đến", "Valid to"),
            _field("entity", "string", "Mã thống kê", "Statistics entity"),
        ] + _source_fields()
    if layer_id == "places":
        return _name_fields() + [_field("name_note", "string", "Ghi chú về tên", "Name note"),
                                 _field("scalerank", "integer", "Hạng tỉ lệ", "Scale rank (Natural Earth)")
                                 ] + _source_fields()
    if layer_id == "transport_lines":
        kinds = sorted({f["properties"]["kind"] for f in features})
        return (_name_fields()[:2] + [_field("kind", "string", "Loại tuyến", "Line kind", enum=kinds, required=True)]
                + _name_fields()[2:] + [_field("licence_note", "string", "Ghi chú giấy phép", "Licence note")]
                + _source_fields())
    return _name_fields() + _source_fields()


def _provenance(layer_id: str, tables: dict[str, Any]) -> tuple[str, str, list[str]]:
    """(licence, attribution, sources) of a layer."""
    if layer_id == "boundaries":
        gb = tables["geoboundaries"]
        return gb["licence"], gb["attribution"], [gb["source"]]
    if layer_id == "transport_lines":
        tr = tables["transport"]
        return tr["licence"], tr["attribution"], [tr["source"]]
    ne = tables["natural_earth"]
    return ne["licence"], ne["attribution"], [ne[f"{layer_id}_source"]]


def _layer(layer_id: str, features: list[Feature], tables: dict[str, Any]) -> dict[str, Any]:
    meta = tables["layers"][layer_id]
    description = dict(meta["description"])
    if layer_id == "transport_lines":
        note = tables["transport"]["expressway_note"]
        description = {lang: f"{text} {note[lang]}" for lang, text in description.items()}
    licence, attribution, sources = _provenance(layer_id, tables)
    fields = _declared_fields(layer_id, features)
    declared = {f["name"] for f in fields}
    return {
        "id": layer_id, "group": "reference", "title": meta["title"], "description": description,
        "keywords": meta["keywords"], "geometry_type": meta["geometry_type"], "feature_count": len(features),
        "crs": "OGC:CRS84", "as_of": AS_OF, "licence": licence, "attribution": attribution, "sources": sources,
        "temporal_field": None, "fields": fields + _other_fields(features, declared),
    }


def build_catalog(layers: dict[str, list[Feature]], tables: dict[str, Any]) -> dict[str, Any]:
    """The ``reference`` group's collections, in ``REFERENCE_LAYER_IDS`` order."""
    return {"layers": [_layer(layer_id, layers[layer_id], tables) for layer_id in REFERENCE_LAYER_IDS]}


def readme_text(layers: dict[str, list[Feature]], tables: dict[str, Any]) -> str:
    """``data/reference/README.md``: files, sources, licences and the names the project corrects."""
    counts = {k: len(v) for k, v in layers.items()}
    gb, ne, tr = tables["geoboundaries"], tables["natural_earth"], tables["transport"]
    return "\n".join([
        "# data/reference — reference layers of the offline basemap",
        "",
        "Generated by `tools/curate_reference.py` from `../shared/fixtures/` and `../shared/research/`; do not",
        "edit by hand (`tools/curate_reference.py --check` fails when these files and their sources differ).",
        "They are context, not industrial facts: served as the collections of the `reference` group and drawn",
        "as the default offline basemap of every map page.",
        "",
        "| file | features | source | licence | attribution |",
        "| --- | --- | --- | --- | --- |",
        f"| `boundaries.geojson` | {counts['boundaries']} | geoBoundaries gbOpen VNM ADM1 (Lào Cai VN-02, "
        "Yên Bái VN-06; the merged province is their dissolve, not an official boundary) | public domain | "
        f"{gb['attribution']} |",
        f"| `countries.geojson` | {counts['countries']} | {ne['countries_source']} | public domain | "
        f"{ne['attribution']} |",
        f"| `places.geojson` | {counts['places']} | {ne['places_source']} | public domain | {ne['attribution']} |",
        f"| `rivers.geojson` | {counts['rivers']} | {ne['rivers_source']} | public domain | {ne['attribution']} |",
        f"| `transport_lines.geojson` | {counts['transport_lines']} | CTU-SematX/LegoCity "
        "`opendata/giaothong/giaothong.geojson` at a1aabc7 (per-feature `source_url`) | **CC BY-SA 4.0** "
        f"(separately licensed) | {tr['attribution']} |",
        "",
        "## Names",
        "",
        "- Places: Natural Earth names. Where NE writes a Vietnamese capital without diacritics and the",
        "  geoBoundaries name of its province is the same name, the geoBoundaries spelling is used (Hà Giang,",
        "  Hòa Bình, Hà Nội). NE spells Lào Cai city \"Lao Chi\"; the layer says \"Lào Cai\" and records why in",
        "  `name_note`. Other NE names are kept as NE gives them (\"Luan Chau\" has no diacritics in the source).",
        "- Chinese names are NE's `name_zh`; Wenshan's (开化县, a historical name) is left empty.",
        "- NE's `admin1_as_published` is not copied (garbled or outdated in the source).",
        "- Countries and rivers: English names from NE; the Vietnamese and Chinese country names and the",
        "  Vietnamese river names (Sông Hồng, Sông Đà) are added by the project (`name_note`).",
        "- Natural Earth has no Hekou (Hà Khẩu), Sa Pa or Bát Xát, so they are not placed here; the Lào Cai – "
        "Hà Khẩu",
        "  border gates are in the `border_gates` layer.",
        "",
        "## Transport lines: licence conflict",
        "",
        "The source repository's README says CC BY 4.0 while its LICENSE files say CC BY-SA 4.0; the layer is",
        "treated as CC BY-SA 4.0 until clarified (each feature keeps `licence_note`, `source_url`, `source_gid`).",
        "It is a separate layer so the share-alike terms do not extend to the project's own compilation.",
        "Source names are kept even where the research notes a probable mislabel (see each `note`).",
        "",
        f"{tr['expressway_note']['en']}",
        "",
    ])

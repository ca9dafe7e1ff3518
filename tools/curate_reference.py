#!/usr/bin/env python3
# ruff: noqa: E501  (licence notes and source URLs are long)
"""Build the reference layers of the offline basemap into ``data/reference/``.

Usage (from the repository root)::

    .venv/bin/python tools/curate_reference.py --shared ../shared --out .
    .venv/bin/python tools/curate_reference.py --shared ../shared --out . --check

Reads the openly licensed fixtures and research files under ``--shared`` and writes
``data/reference/{boundaries,countries,places,rivers,transport_lines}.geojson``, their
``catalog.json`` (collections of the ``reference`` group) and ``README.md`` (licences and
attribution). Deterministic: the same inputs give byte-identical files. ``--check``
compares with the committed files and exits 1 when they differ.

Nothing here is invented. Names are taken from the sources; where a source misspells a name and
another source gives the right one, the correction and its source are recorded in the feature
(``name_note``). Natural Earth's ``admin1_as_published`` is never copied (it is garbled).
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import unicodedata
from collections import OrderedDict
from pathlib import Path

from shapely.geometry import MultiLineString, mapping, shape
from shapely.geometry.polygon import orient

OUT_DIR = "data/reference"
REFERENCE_LAYERS = ("boundaries", "countries", "places", "rivers", "transport_lines")
AS_OF = "2026"

GEOBOUNDARIES = {
    "licence": "Public domain (geoBoundaries gbOpen VNM ADM1, boundaryLicense: Public Domain); geoBoundaries asks to be cited.",
    "attribution": "Administrative boundaries courtesy of geoBoundaries (https://www.geoboundaries.org)",
    "source": "https://www.geoboundaries.org (gbOpen VNM ADM1 VNM-ADM1-63759600, via GitHub nhdthnh/GeoJson commit 704c7b8bf1638105db5e937cbffe38018ba9810c)",
}
NATURAL_EARTH = {
    "licence": "Public domain (Natural Earth, https://www.naturalearthdata.com/about/terms-of-use/)",
    "attribution": "Made with Natural Earth",
}
NE_COUNTRIES_SOURCE = "Natural Earth ne_50m_admin_0_countries (v4.x), via GitHub martynafford/natural-earth-geojson commit 0b9a6ceb0a7032713abd9460ac1e995a9c60cd1e"
NE_PLACES_SOURCE = "Natural Earth ne_10m_populated_places (v4.x), via GitHub martynafford/natural-earth-geojson commit 0b9a6ceb0a7032713abd9460ac1e995a9c60cd1e"
NE_RIVERS_SOURCE = "Natural Earth ne_10m_rivers_lake_centerlines (v4.x), via GitHub martynafford/natural-earth-geojson commit 90266457d82d3717e47313e72a921e31a087d2c4"
TRANSPORT_LICENCE = "CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/) — separately licensed layer; see licence_note per feature"
TRANSPORT_ATTRIBUTION = "Transport lines: CTU-SematX/LegoCity open data (giaothong), CC BY-SA 4.0"
EXPRESSWAY_NOTE_EN = (
    "The Nội Bài – Lào Cai expressway (CT.05) is not in this layer: the research holds no geometry for it, "
    "so its course stays unknown (not 'none') until a sourced line is added."
)
EXPRESSWAY_NOTE_VI = (
    "Đường cao tốc Nội Bài – Lào Cai (CT.05) chưa có trong lớp này: nghiên cứu chưa có hình học của tuyến, "
    "nên vị trí tuyến là chưa biết (không phải 'không có') cho đến khi có dữ liệu có nguồn."
)

# Country names: the Natural Earth extract keeps English names only. The Vietnamese and Chinese
# short names are the countries' standard names, added by the project (recorded in name_note).
COUNTRY_NAMES = {
    "VNM": ("Việt Nam", "Vietnam", "越南"),
    "CHN": ("Trung Quốc", "China", "中国"),
    "LAO": ("Lào", "Laos", "老挝"),
}
# Places whose Natural Earth name is wrong, with the source of the right one.
PLACE_CORRECTIONS = {
    "Lao Chi": ("Lào Cai", "Lao Cai",
                "Natural Earth spells it 'Lao Chi'; 'Lào Cai' is the geoBoundaries name (VN-02) of the province whose capital this point is (NE featurecla Admin-1 capital), and the name the research uses for the city"),
}
# Chinese names from Natural Earth that are not the current name of the place: left empty.
PLACE_ZH_DROPPED = {
    "Wenshan": "Natural Earth gives 开化县, the county's historical name; no source here gives the current one, so it is left empty",
}
# River names: Natural Earth gives them without diacritics; the Vietnamese names are added by the project.
RIVER_NAMES = {
    "Hong": ("Sông Hồng", "Red River", "Natural Earth name 'Hong' / 'Red'; Vietnamese spelling added by the project"),
    "Da": ("Sông Đà", "Black River", "Natural Earth name 'Da' / 'Black'; Vietnamese spelling added by the project"),
}
BOUNDARIES = (
    # id, file or (file, shapeISO), names, level info
    {"id": "lao-cai-2025", "vi": "Tỉnh Lào Cai (từ 1/7/2025)", "en": "Lào Cai province (from 1 July 2025)",
     "valid_from": "2025-07-01", "valid_to": None, "status": "current", "entity": "admin:15:2025-07-01",
     "note": "Dissolve of geoBoundaries Lào Cai (VN-02) and Yên Bái (VN-06); approximates the province formed on 1 July 2025; not an official boundary."},
    {"id": "lao-cai-pre-2025", "iso": "VN-02", "vi": "Tỉnh Lào Cai (cũ)", "en": "Lào Cai province (former)",
     "valid_from": None, "valid_to": "2025-06-30", "status": "former", "entity": "admin:10:pre-2025-07-01",
     "note": "Former province, merged with Yên Bái on 1 July 2025."},
    {"id": "yen-bai-pre-2025", "iso": "VN-06", "vi": "Tỉnh Yên Bái (cũ)", "en": "Yên Bái province (former)",
     "valid_from": None, "valid_to": "2025-06-30", "status": "former", "entity": "admin:15:pre-2025-07-01",
     "note": "Former province, merged into Lào Cai on 1 July 2025."},
)


def dumps(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=False, separators=(", ", ": "))


def _read(path):
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def _fold(text):
    ascii_text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in ascii_text if not unicodedata.combining(c)).lower().replace(" ", "")


def _round(geom):
    """GeoJSON geometry with 6-decimal coordinates (the sources' own precision)."""
    def walk(coords):
        if isinstance(coords[0], (int, float)):
            return [round(coords[0], 6), round(coords[1], 6)]
        return [walk(c) for c in coords]
    g = mapping(geom)
    return {"type": g["type"], "coordinates": walk(json.loads(json.dumps(g["coordinates"])))}


def _polygon(geometry):
    return _round(orient(shape(geometry), sign=1.0))


def _multiline(geometry):
    geom = shape(geometry)
    if geom.geom_type == "LineString":
        geom = MultiLineString([geom])
    return _round(geom)


def _feature(fid, properties, geometry):
    return {"type": "Feature", "id": fid, "properties": {"id": fid, **properties}, "geometry": geometry}


def build_boundaries(fixtures):
    merged = _read(fixtures / "laocai_2025_merged.geojson")[0]
    provinces = {f["properties"]["shapeISO"]: f for f in _read(fixtures / "vn_admin1.geojson")}
    out = []
    for spec in BOUNDARIES:
        source = provinces[spec["iso"]] if "iso" in spec else merged
        props = {
            "name_vi": spec["vi"], "name_en": spec["en"], "name_zh": None,
            "admin_level": 1, "status": spec["status"], "valid_from": spec["valid_from"], "valid_to": spec["valid_to"],
            "shapeISO": spec.get("iso"), "shapeName": source["properties"].get("shapeName"),
            "entity": spec["entity"], "note": spec["note"],
            "sources": [GEOBOUNDARIES["source"]], "licence": GEOBOUNDARIES["licence"],
            "attribution": GEOBOUNDARIES["attribution"],
        }
        out.append(_feature(spec["id"], props, _polygon(source["geometry"])))
    return out


def build_countries(research):
    out = []
    for f in sorted(_read(research / "reference" / "countries-context.geojson"), key=lambda f: f["properties"]["iso_a3"]):
        iso = f["properties"]["iso_a3"]
        vi, en, zh = COUNTRY_NAMES[iso]
        props = {
            "name_vi": vi, "name_en": en, "name_zh": zh, "iso_a3": iso,
            "name_note": "English name from Natural Earth; Vietnamese and Chinese short names added by the project",
            "note": "1:50m outline (about 1–2 km accuracy), clipped to lon 102.6–106.0, lat 20.6–23.6; along the province use the boundaries layer",
            "sources": [NE_COUNTRIES_SOURCE], "licence": NATURAL_EARTH["licence"], "attribution": NATURAL_EARTH["attribution"],
        }
        out.append(_feature(f"country-{iso.lower()}", props, _polygon(f["geometry"])))
    return out


def _province_name_at(point, provinces):
    for f in provinces:
        if shape(f["geometry"]).contains(point):
            return f["properties"]["shapeName"]
    return None


def _place_names(p, point, provinces):
    """(name_vi, name_en, name_note) of a Natural Earth place."""
    name = p["name"]
    if name in PLACE_CORRECTIONS:
        return PLACE_CORRECTIONS[name]
    province = _province_name_at(point, provinces) if p["country"] == "Vietnam" else None
    if province and name == p["name_ascii"] and _fold(province) == _fold(name):
        note = f"Natural Earth gives '{name}' without diacritics; spelling from the geoBoundaries name of its province ('{province}')"
        return province, p["name_ascii"], note
    return name, p["name_ascii"], "name as Natural Earth gives it"


def build_places(research, fixtures):
    provinces = _read(fixtures / "vn_admin1.geojson")
    rows = _read(research / "reference" / "places-context.geojson")
    out = []
    for f in sorted(rows, key=lambda f: (f["properties"]["scalerank"], f["properties"]["name_ascii"])):
        p = f["properties"]
        point = shape(f["geometry"])
        vi, en, note = _place_names(p, point, provinces)
        zh = None if p["name_ascii"] in PLACE_ZH_DROPPED else p["name_zh"]
        if p["name_ascii"] in PLACE_ZH_DROPPED:
            note += "; " + PLACE_ZH_DROPPED[p["name_ascii"]]
        props = {
            "name_vi": vi, "name_en": en, "name_zh": zh, "name_note": note,
            "country": p["country"], "feature_class": p["featurecla"], "scalerank": p["scalerank"],
            "sources": [NE_PLACES_SOURCE], "licence": NATURAL_EARTH["licence"], "attribution": NATURAL_EARTH["attribution"],
        }
        fid = "place-" + "-".join(en.lower().split())
        out.append(_feature(fid, props, _round(point)))
    return out


def build_rivers(fixtures):
    out = []
    for f in sorted(_read(fixtures / "laocai_rivers.geojson"), key=lambda f: f["properties"]["rivernum"]):
        p = f["properties"]
        vi, en, note = RIVER_NAMES[p["name"]]
        props = {
            "name_vi": vi, "name_en": en, "name_zh": None, "name_note": note,
            "scalerank": int(p["scalerank"]),
            "note": "Clipped to lon 102.9–105.6, lat 20.9–23.5",
            "sources": [NE_RIVERS_SOURCE], "licence": NATURAL_EARTH["licence"], "attribution": NATURAL_EARTH["attribution"],
        }
        out.append(_feature(f"river-{_fold(p['name'])}", props, _multiline(f["geometry"])))
    return out


def build_transport_lines(research):
    out = []
    for f in _read(research / "transport-lines.geojson"):
        p = dict(f["properties"])
        fid = p.pop("id")
        props = {
            "kind": p.pop("kind"), "name_vi": p.pop("name_vi"), "name_en": p.pop("name_en"), "name_zh": None,
            "licence": TRANSPORT_LICENCE, "licence_note": p.pop("licence"), "attribution": TRANSPORT_ATTRIBUTION,
            "sources": [p["source_url"]], **p,
        }
        out.append(_feature(fid, props, _multiline(f["geometry"])))
    return out


def _field(name, kind, vi, en, enum=None, unit=None, required=False):
    return {"name": name, "type": kind, "unit": unit, "enum": enum, "title": {"vi": vi, "en": en}, "required": required}


def _name_fields():
    return [
        _field("id", "string", "Mã định danh", "Identifier", required=True),
        _field("name_vi", "string", "Tên tiếng Việt", "Vietnamese name", required=True),
        _field("name_en", "string", "Tên tiếng Anh", "English name"),
        _field("name_zh", "string", "Tên tiếng Trung", "Chinese name"),
    ]


def _source_fields():
    return [
        _field("sources", "array", "Nguồn", "Sources"),
        _field("licence", "string", "Giấy phép", "Licence"),
        _field("attribution", "string", "Ghi công", "Attribution"),
    ]


def _value_type(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return "number" if isinstance(value, float) else "array" if isinstance(value, list) else "string"


def _other_fields(features, declared):
    """Specs for the properties not declared by hand, typed from their values (int + float = number)."""
    kinds = OrderedDict()
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


def _layer(layer_id, features, *, title, description, keywords, geometry_type, licence, attribution, sources, fields):
    declared = {f["name"] for f in fields}
    return {
        "id": layer_id, "group": "reference", "title": title, "description": description, "keywords": keywords,
        "geometry_type": geometry_type, "feature_count": len(features), "crs": "OGC:CRS84", "as_of": AS_OF,
        "licence": licence, "attribution": attribution, "sources": sources, "temporal_field": None,
        "fields": fields + _other_fields(features, declared),
    }


def build_catalog(layers):
    b, c, p, r, t = (layers[k] for k in REFERENCE_LAYERS)
    kinds = sorted({f["properties"]["kind"] for f in t})
    return {"layers": [
        _layer("boundaries", b, title={"vi": "Ranh giới hành chính tỉnh", "en": "Province boundaries"},
               description={"vi": "Tỉnh Lào Cai sau sáp nhập (1/7/2025, ranh giới gần đúng) và hai tỉnh cũ Lào Cai, Yên Bái (geoBoundaries).",
                            "en": "The merged Lào Cai province (1 July 2025, approximate outline) and the two former provinces Lào Cai and Yên Bái (geoBoundaries)."},
               keywords=["ranh giới", "boundary", "province", "Lào Cai", "Yên Bái", "geoBoundaries"], geometry_type="Polygon",
               licence=GEOBOUNDARIES["licence"], attribution=GEOBOUNDARIES["attribution"], sources=[GEOBOUNDARIES["source"]],
               fields=_name_fields() + [
                   _field("admin_level", "integer", "Cấp hành chính", "Administrative level"),
                   _field("status", "string", "Hiệu lực", "Status", enum=["current", "former"]),
                   _field("valid_from", "string", "Hiệu lực từ", "Valid from"),
                   _field("valid_to", "string", "Hiệu lực đến", "Valid to"),
                   _field("entity", "string", "Mã thống kê", "Statistics entity"),
               ] + _source_fields()),
        _layer("countries", c, title={"vi": "Quốc gia", "en": "Countries"},
               description={"vi": "Việt Nam, Trung Quốc và Lào (Natural Earth 1:50m) làm nền định hướng.",
                            "en": "Vietnam, China and Laos (Natural Earth 1:50m) as an orienting background."},
               keywords=["quốc gia", "country", "China", "Laos", "Natural Earth"], geometry_type="Polygon",
               licence=NATURAL_EARTH["licence"], attribution=NATURAL_EARTH["attribution"], sources=[NE_COUNTRIES_SOURCE],
               fields=_name_fields() + _source_fields()),
        _layer("places", p, title={"vi": "Địa danh", "en": "Places"},
               description={"vi": "Thành phố và thị xã quanh tỉnh (Natural Earth), tên tiếng Việt, Anh và Trung khi nguồn có. Natural Earth không có Hà Khẩu, Sa Pa hay Bát Xát.",
                            "en": "Towns and cities around the province (Natural Earth) with Vietnamese, English and, where the source gives one, Chinese names. Natural Earth has no Hekou, Sa Pa or Bát Xát."},
               keywords=["địa danh", "place", "town", "Natural Earth"], geometry_type="Point",
               licence=NATURAL_EARTH["licence"], attribution=NATURAL_EARTH["attribution"], sources=[NE_PLACES_SOURCE],
               fields=_name_fields() + [_field("name_note", "string", "Ghi chú về tên", "Name note"),
                                        _field("scalerank", "integer", "Hạng tỉ lệ", "Scale rank (Natural Earth)")] + _source_fields()),
        _layer("rivers", r, title={"vi": "Sông", "en": "Rivers"},
               description={"vi": "Sông Hồng và sông Đà (Natural Earth 1:10m).", "en": "The Red and Black rivers (Natural Earth 1:10m)."},
               keywords=["sông", "river", "Natural Earth"], geometry_type="MultiLineString",
               licence=NATURAL_EARTH["licence"], attribution=NATURAL_EARTH["attribution"], sources=[NE_RIVERS_SOURCE],
               fields=_name_fields() + _source_fields()),
        _layer("transport_lines", t, title={"vi": "Tuyến giao thông (đường sắt, quốc lộ)", "en": "Transport lines (railways, roads)"},
               description={"vi": "Các tuyến đường sắt, quốc lộ và tỉnh lộ trong tỉnh (cắt theo tỉnh, đệm 5 km). Lớp có giấy phép riêng (CC BY-SA 4.0). " + EXPRESSWAY_NOTE_VI,
                            "en": "Railways, national and provincial roads of the province (clipped to it with a 5 km buffer). A separately licensed layer (CC BY-SA 4.0). " + EXPRESSWAY_NOTE_EN},
               keywords=["giao thông", "đường sắt", "quốc lộ", "railway", "national road", "transport"], geometry_type="MultiLineString",
               licence=TRANSPORT_LICENCE, attribution=TRANSPORT_ATTRIBUTION,
               sources=["https://github.com/CTU-SematX/LegoCity/blob/a1aabc7dc5faca80b31c413e782ee93188140ebf/opendata/giaothong/giaothong.geojson"],
               fields=_name_fields()[:2] + [_field("kind", "string", "Loại tuyến", "Line kind", enum=kinds, required=True)] + _name_fields()[2:]
               + [_field("licence_note", "string", "Ghi chú giấy phép", "Licence note")] + _source_fields()),
    ]}


def geojson_text(layer_id, features):
    lines = ['{"type": "FeatureCollection", "name": ' + dumps(layer_id) + ', "features": [']
    lines += [dumps(f) + ("," if i < len(features) - 1 else "") for i, f in enumerate(features)]
    return "\n".join(lines + ["]}"]) + "\n"


def readme_text(layers):
    counts = {k: len(v) for k, v in layers.items()}
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
        f"| `boundaries.geojson` | {counts['boundaries']} | geoBoundaries gbOpen VNM ADM1 (Lào Cai VN-02, Yên Bái VN-06; the merged province is their dissolve, not an official boundary) | public domain | {GEOBOUNDARIES['attribution']} |",
        f"| `countries.geojson` | {counts['countries']} | {NE_COUNTRIES_SOURCE} | public domain | {NATURAL_EARTH['attribution']} |",
        f"| `places.geojson` | {counts['places']} | {NE_PLACES_SOURCE} | public domain | {NATURAL_EARTH['attribution']} |",
        f"| `rivers.geojson` | {counts['rivers']} | {NE_RIVERS_SOURCE} | public domain | {NATURAL_EARTH['attribution']} |",
        f"| `transport_lines.geojson` | {counts['transport_lines']} | CTU-SematX/LegoCity `opendata/giaothong/giaothong.geojson` at a1aabc7 (per-feature `source_url`) | **CC BY-SA 4.0** (separately licensed) | {TRANSPORT_ATTRIBUTION} |",
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
        "- Natural Earth has no Hekou (Hà Khẩu), Sa Pa or Bát Xát, so they are not placed here; the Lào Cai – Hà Khẩu",
        "  border gates are in the `border_gates` layer.",
        "",
        "## Transport lines: licence conflict",
        "",
        "The source repository's README says CC BY 4.0 while its LICENSE files say CC BY-SA 4.0; the layer is",
        "treated as CC BY-SA 4.0 until clarified (each feature keeps `licence_note`, `source_url`, `source_gid`).",
        "It is a separate layer so the share-alike terms do not extend to the project's own compilation.",
        "Source names are kept even where the research notes a probable mislabel (see each `note`).",
        "",
        f"{EXPRESSWAY_NOTE_EN}",
        "",
    ])


def generate(shared):
    fixtures, research = shared / "fixtures", shared / "research"
    layers = OrderedDict([
        ("boundaries", build_boundaries(fixtures)),
        ("countries", build_countries(research)),
        ("places", build_places(research, fixtures)),
        ("rivers", build_rivers(fixtures)),
        ("transport_lines", build_transport_lines(research)),
    ])
    files = OrderedDict()
    for layer_id, features in layers.items():
        assert len({f["id"] for f in features}) == len(features), f"duplicate ids in {layer_id}"
        assert all(shape(f["geometry"]).is_valid for f in features), f"invalid geometry in {layer_id}"
        files[f"{OUT_DIR}/{layer_id}.geojson"] = geojson_text(layer_id, features)
    files[f"{OUT_DIR}/catalog.json"] = json.dumps(build_catalog(layers), ensure_ascii=False, indent=1) + "\n"
    files[f"{OUT_DIR}/README.md"] = readme_text(layers)
    return files


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default="../shared", type=Path, help="folder holding fixtures/ and research/")
    ap.add_argument("--out", default=".", type=Path, help="repository root to write data/reference/ under")
    ap.add_argument("--check", action="store_true", help="compare with the files under --out; exit 1 if they differ")
    args = ap.parse_args(argv)
    files = generate(args.shared)
    bad = 0
    for rel, text in files.items():
        path = args.out / rel
        if args.check:
            old = path.read_text(encoding="utf-8") if path.exists() else ""
            if old != text:
                bad += 1
                print(f"DIFFERS: {rel}" + ("" if path.exists() else " (missing)"))
                for line in list(difflib.unified_diff(old.splitlines(), text.splitlines(), lineterm="", n=0))[:40]:
                    print(line[:300])
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if args.check and bad:
        print(f"{bad} file(s) differ; rerun tools/curate_reference.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The reference layers of the offline basemap, built into ``data/reference/``.

Reads the openly licensed fixtures and research files under ``--shared`` and makes
``data/reference/{boundaries,countries,places,rivers,transport_lines}.geojson``, their
``catalog.json`` (collections of the ``reference`` group) and ``README.md`` (licences and
attribution). Deterministic: the same inputs give byte-identical files.

Nothing here is invented. Names are taken from the sources; where a source misspells a name and
another source gives the right one, the correction and its source are recorded in the feature
(``name_note``). Natural Earth's ``admin1_as_published`` is never copied (it is garbled).
Sources, licences and the names the project adds are in ``tables/reference.yaml``.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

from shapely.geometry import MultiLineString, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from geo_industry.catalog import REFERENCE_LAYER_IDS

from .facts import read_yaml
from .layers import Feature
from .reference_catalog import build_catalog, readme_text
from .text import geojson_text

OUT_DIR = "data/reference"
Geometry = dict[str, Any]


REFERENCE = read_yaml("reference.yaml")
GEOBOUNDARIES: dict[str, str] = REFERENCE["geoboundaries"]
NATURAL_EARTH: dict[str, str] = REFERENCE["natural_earth"]
COUNTRY_NAMES: dict[str, list[str]] = REFERENCE["country_names"]
"""iso_a3: (vi, en, zh); the Natural Earth extract keeps English names only, the others are the
countries' standard short names, added by the project (recorded in name_note)."""
PLACE_CORRECTIONS: dict[str, list[str]] = REFERENCE["place_corrections"]
"""Places whose Natural Earth name is wrong: (vi, en, note with the source of the right name)."""
PLACE_ZH_DROPPED: dict[str, str] = REFERENCE["place_zh_dropped"]
"""Chinese names from Natural Earth that are not the current name of the place: left empty."""
RIVER_NAMES: dict[str, list[str]] = REFERENCE["river_names"]
"""Natural Earth gives river names without diacritics; the Vietnamese names are added by the project."""
BOUNDARIES: list[dict[str, Any]] = REFERENCE["boundaries"]


def _read(path: Path) -> list[Feature]:
    features: list[Feature] = json.loads(path.read_text(encoding="utf-8"))["features"]
    return features


def fold(text: str) -> str:
    """Lower-case ASCII without spaces, to compare names written with and without diacritics."""
    ascii_text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in ascii_text if not unicodedata.combining(c)).lower().replace(" ", "")


def _walk(coords: Any) -> Any:
    if isinstance(coords[0], (int, float)):
        return [round(coords[0], 6), round(coords[1], 6)]
    return [_walk(c) for c in coords]


def _round(geom: BaseGeometry) -> Geometry:
    """GeoJSON geometry with 6-decimal coordinates (the sources' own precision)."""
    g = mapping(geom)
    return {"type": g["type"], "coordinates": _walk(json.loads(json.dumps(g["coordinates"])))}


def _polygon(geometry: Geometry) -> Geometry:
    return _round(orient(shape(geometry), sign=1.0))


def _multiline(geometry: Geometry) -> Geometry:
    geom = shape(geometry)
    if geom.geom_type == "LineString":
        geom = MultiLineString([geom])
    return _round(geom)


def _feature(fid: str, properties: dict[str, Any], geometry: Geometry) -> Feature:
    return {"type": "Feature", "id": fid, "properties": {"id": fid, **properties}, "geometry": geometry}


def _natural_earth(source: str) -> dict[str, Any]:
    return {"sources": [NATURAL_EARTH[source]], "licence": NATURAL_EARTH["licence"],
            "attribution": NATURAL_EARTH["attribution"]}


def build_boundaries(fixtures: Path) -> list[Feature]:
    """The merged province (a dissolve, not an official boundary) and the two former ones."""
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


def build_countries(research: Path) -> list[Feature]:
    """Vietnam, China and Laos (Natural Earth 1:50m, clipped)."""
    out = []
    rows = _read(research / "reference" / "countries-context.geojson")
    for f in sorted(rows, key=lambda f: f["properties"]["iso_a3"]):
        iso = f["properties"]["iso_a3"]
        vi, en, zh = COUNTRY_NAMES[iso]
        props = {
            "name_vi": vi, "name_en": en, "name_zh": zh, "iso_a3": iso,
            "name_note": "English name from Natural Earth; Vietnamese and Chinese short names added by the project",
            "note": ("1:50m outline (about 1–2 km accuracy), clipped to lon 102.6–106.0, lat 20.6–23.6; "
                     "along the province use the boundaries layer"),
            **_natural_earth("countries_source"),
        }
        out.append(_feature(f"country-{iso.lower()}", props, _polygon(f["geometry"])))
    return out


def _province_name_at(point: BaseGeometry, provinces: list[Feature]) -> str | None:
    for f in provinces:
        if shape(f["geometry"]).contains(point):
            name: str = f["properties"]["shapeName"]
            return name
    return None


def _place_names(p: dict[str, Any], point: BaseGeometry, provinces: list[Feature]) -> tuple[str, str, str]:
    """(name_vi, name_en, name_note) of a Natural Earth place."""
    name = p["name"]
    if name in PLACE_CORRECTIONS:
        vi, en, note = PLACE_CORRECTIONS[name]
        return vi, en, note
    province = _province_name_at(point, provinces) if p["country"] == "Vietnam" else None
    if province and name == p["name_ascii"] and fold(province) == fold(name):
        note = (f"Natural Earth gives '{name}' without diacritics; spelling from the geoBoundaries name of "
                f"its province ('{province}')")
        return province, p["name_ascii"], note
    return name, p["name_ascii"], "name as Natural Earth gives it"


def build_places(research: Path, fixtures: Path) -> list[Feature]:
    """Towns and cities around the province (Natural Earth), names checked against geoBoundaries."""
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
            **_natural_earth("places_source"),
        }
        fid = "place-" + "-".join(en.lower().split())
        out.append(_feature(fid, props, _round(point)))
    return out


def build_rivers(fixtures: Path) -> list[Feature]:
    """The Red and Black rivers (Natural Earth 1:10m, clipped)."""
    out = []
    for f in sorted(_read(fixtures / "laocai_rivers.geojson"), key=lambda f: f["properties"]["rivernum"]):
        p = f["properties"]
        vi, en, note = RIVER_NAMES[p["name"]]
        props = {
            "name_vi": vi, "name_en": en, "name_zh": None, "name_note": note,
            "scalerank": int(p["scalerank"]),
            "note": "Clipped to lon 102.9–105.6, lat 20.9–23.5",
            **_natural_earth("rivers_source"),
        }
        out.append(_feature(f"river-{fold(p['name'])}", props, _multiline(f["geometry"])))
    return out


def build_transport_lines(research: Path) -> list[Feature]:
    """Railways and roads of the research's transport lines (a separately licensed layer)."""
    transport = REFERENCE["transport"]
    out = []
    for f in _read(research / "transport-lines.geojson"):
        p = dict(f["properties"])
        fid = p.pop("id")
        props = {
            "kind": p.pop("kind"), "name_vi": p.pop("name_vi"), "name_en": p.pop("name_en"), "name_zh": None,
            "licence": transport["licence"], "licence_note": p.pop("licence"), "attribution": transport["attribution"],
            "sources": [p["source_url"]], **p,
        }
        out.append(_feature(fid, props, _multiline(f["geometry"])))
    return out


def generate(shared: Path) -> dict[str, str]:
    """Every reference file (path under the repository root -> text), in writing order."""
    fixtures, research = shared / "fixtures", shared / "research"
    layers = {
        "boundaries": build_boundaries(fixtures),
        "countries": build_countries(research),
        "places": build_places(research, fixtures),
        "rivers": build_rivers(fixtures),
        "transport_lines": build_transport_lines(research),
    }
    assert tuple(layers) == REFERENCE_LAYER_IDS
    files = {}
    for layer_id, features in layers.items():
        assert len({f["id"] for f in features}) == len(features), f"duplicate ids in {layer_id}"
        assert all(shape(f["geometry"]).is_valid for f in features), f"invalid geometry in {layer_id}"
        files[f"{OUT_DIR}/{layer_id}.geojson"] = geojson_text(layer_id, features)
    files[f"{OUT_DIR}/catalog.json"] = json.dumps(build_catalog(layers, REFERENCE), ensure_ascii=False, indent=1) + "\n"
    files[f"{OUT_DIR}/README.md"] = readme_text(layers, REFERENCE)
    return files

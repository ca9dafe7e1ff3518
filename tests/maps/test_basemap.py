"""The default basemap's layers and labels, built from the shipped reference layers (no browser)."""

from __future__ import annotations

import dataclasses
import json

from geo_industry.maps.base import PageContext
from geo_industry.maps.data import ReferenceLayer, map_data_from_store
from geo_industry.maps.pages import render

from .conftest import MERGED_BOUNDARY

HOSTILE = '<img src=x onerror="alert(1)"></script><script>alert(2)</script>'


def _shows(html: str, text: str) -> bool:
    """``text`` in the page, as HTML text or inside a script's JSON string (non-ASCII escaped)."""
    return text in html or json.dumps(text)[1:-1] in html


def test_reference_layers_come_from_the_store_without_settings(store):
    data = map_data_from_store(store)
    assert {r.kind for r in data.reference} == {"boundary", "countries", "places", "rivers", "transport_lines"}
    assert "transport_lines" not in data.layers and "boundaries" not in data.layers
    assert data.reference_of("boundary").attribution.startswith("Administrative boundaries courtesy of geoBoundaries")


def test_a_configured_boundary_replaces_the_shipped_one(store):
    data = map_data_from_store(store, boundary_path=MERGED_BOUNDARY)
    boundaries = [r for r in data.reference if r.kind == "boundary"]
    assert len(boundaries) == 1 and len(boundaries[0].frame) == 1
    assert data.reference_of("places") is not None


def test_labels_are_in_the_page_language(store):
    data = map_data_from_store(store)
    zh = render("overview", data, PageContext(lang="zh-CN"))
    vi = render("overview", data, PageContext(lang="vi"))
    assert all(_shows(zh, text) for text in ("老街", "中越边界", "中国", "安沛"))
    assert all(_shows(vi, text) for text in ("Lào Cai", "Biên giới Việt Nam – Trung Quốc", "Sông Hồng", "Trung Quốc"))


def test_hostile_reference_names_are_escaped(store):
    data = map_data_from_store(store)
    reference = []
    for layer in data.reference:
        frame = layer.frame.copy()
        for column in ("name_vi", "name_en", "name_zh"):
            if column in frame.columns:
                frame[column] = HOSTILE
        reference.append(ReferenceLayer(layer.key, frame, layer.kind, layer.attribution))
    html = render("overview", dataclasses.replace(data, reference=tuple(reference)), PageContext(lang="vi"))
    assert "<img src=x" not in html and "<script>alert(2)" not in html

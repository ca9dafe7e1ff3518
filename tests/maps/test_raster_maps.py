"""Raster overlays, hillshade relief and the zone analysis on the maps (built from a real raster service)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo_industry.i18n import translate
from geo_industry.maps.base import PageContext, render_page
from geo_industry.maps.data import MapData
from geo_industry.maps.overview import build_overview_map
from geo_industry.maps.pages import render_zone
from geo_industry.maps.rasters import server_overlays, static_overlays
from geo_industry.maps.site import build_site_from_data
from geo_industry.maps.zones import build_compare_page
from geo_industry.raster.service import RasterService

from .conftest import APPROX_ZONE, DEM_TIF, MERGED_BOUNDARY, SURVEYED_ZONE


@pytest.fixture(scope="module")
def service(map_data: MapData, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasterService]:
    """Rasters and assessments of the real sites on the shared DEM."""
    built = RasterService(out_dir=tmp_path_factory.mktemp("rasters"), dem_path=DEM_TIF, boundary_path=MERGED_BOUNDARY)
    built.build_from_layers(map_data.layers, statistics=map_data.statistics)
    yield built
    built.close()


@pytest.fixture(scope="module")
def analysed(map_data: MapData, service: RasterService) -> MapData:
    """The real data with the API's tile overlays and the zone assessments."""
    return dataclasses.replace(map_data, overlays=server_overlays(service),
                               assessments={a.zone_id: a for a in service.assessments})


def test_overview_offers_raster_overlays_with_hidden_legends(analysed: MapData) -> None:
    ctx = PageContext(lang="en")
    html = render_page(build_overview_map(analysed, ctx), ctx)
    assert "/rasters/suitability/tiles/{z}/{x}/{y}.png" in html
    assert "/rasters/distance_border_gate/tiles/{z}/{x}/{y}.png" in html
    for key in ("raster.suitability", "raster.slope", "raster.hillshade"):
        assert translate(key, "en") in html
    assert 'data-layer=\\"Investment suitability\\" style=\\"display:none\\"' in html  # until ticked


def test_hillshade_is_the_offline_relief(analysed: MapData, map_data: MapData) -> None:
    ctx = PageContext(lang="vi", basemap="offline")
    with_relief = render_page(build_overview_map(analysed, ctx), ctx)
    without = render_page(build_overview_map(map_data, ctx), ctx)
    assert with_relief.count("/rasters/hillshade/tiles/") == 2  # relief under the outlines, and the overlay
    assert "/rasters/hillshade/tiles/" not in without


@pytest.mark.parametrize("lang", ["vi", "en", "zh-CN"])
def test_fact_sheet_shows_distances_slope_score_and_reasons(analysed: MapData, service: RasterService,
                                                            lang: str) -> None:
    html = render_zone(SURVEYED_ZONE, analysed, PageContext(lang=lang))
    assessment = service.assessment(SURVEYED_ZONE)
    assert assessment is not None and assessment.suitability.score is not None
    for key in ("zone.analysis", "zone.score", "zone.mean_slope", "analysis.criterion.copper_mine"):
        assert translate(key, lang) in html
    assert 'class="gi-table gi-analysis"' in html
    assert html.count("<tr><td>") >= len(assessment.suitability.contributions)


def test_compare_page_rows_line_up_with_the_analysis(analysed: MapData) -> None:
    html = build_compare_page(analysed, PageContext(lang="en"), [SURVEYED_ZONE, APPROX_ZONE])
    assert translate("zone.score", "en") in html and translate("analysis.criterion.apatite_mine", "en") in html


def test_static_build_draws_images_beside_the_pages(map_data: MapData, service: RasterService,
                                                    tmp_path: Path) -> None:
    overlays = static_overlays(service, tmp_path, max_size=256)
    data = dataclasses.replace(map_data, overlays=overlays)
    build_site_from_data(data, tmp_path, languages=("en",))
    assert (tmp_path / "rasters" / "suitability.png").read_bytes()[:4] == b"\x89PNG"
    page = (tmp_path / "overview.en.html").read_text(encoding="utf-8")
    assert '"rasters/suitability.png"' in page and "data:image/png;base64" not in page
    assert "/rasters/suitability/tiles/" not in page

"""Write every page in every language as a static site that works from any server or from disk."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo_industry.i18n import DEFAULT_LANGUAGE, LANGUAGES
from geo_industry.maps.assets import scripts_dir, vendor_dir
from geo_industry.maps.base import BASEMAPS, PageContext
from geo_industry.maps.data import MapData, map_data_from_store
from geo_industry.maps.pages import render, render_zone
from geo_industry.maps.rasters import static_overlays
from geo_industry.maps.registry import PAGE_NAMES
from geo_industry.maps.urls import static_urls
from geo_industry.maps.zones import zone_rows
from geo_industry.raster.service import RasterService
from geo_industry.store.base import BulkReader
from geo_industry.web_safety import with_meta_policy

Progress = Callable[[int, int, str], None]
"""Called after each page with (pages done, pages in total, file name)."""

STATIC_SIMPLIFY_DEG = 0.0003
"""Simplification tolerance of embedded lines and polygons in the static build (about 30 m)."""


@dataclass
class SiteBuild:
    """What a static build wrote."""

    out_dir: Path
    pages: list[Path] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)
    """Layers not embedded for their size (id → features): past the vector tile threshold, which the
    served map draws from tiles; a static page has no API to ask for them."""

    @property
    def total_bytes(self) -> int:
        """Size of all pages (without the vendored assets)."""
        return sum(p.stat().st_size for p in self.pages)


def _jobs(data: MapData, languages: Sequence[str]) -> list[tuple[str, str, str | None]]:
    names = list(PAGE_NAMES)
    zones = [str(r["id"]) for r in zone_rows(data)]
    return [(lang, name, None) for lang in languages for name in names] + [
        (lang, "zone", z) for lang in languages for z in zones
    ]


def build_site_from_data(
    data: MapData,
    out_dir: Path,
    *,
    languages: Sequence[str] = LANGUAGES,
    basemap: str = "offline",
    progress: Progress | None = None,
) -> SiteBuild:
    """Write the static site for ``data`` into ``out_dir`` (created; existing pages overwritten)."""
    for lang in languages:
        if lang not in LANGUAGES:
            raise ValueError(f"invalid languages={list(languages)!r}: expected codes from {', '.join(LANGUAGES)}")
    if basemap not in BASEMAPS:
        raise ValueError(f"invalid basemap={basemap!r}: expected one of {', '.join(BASEMAPS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(vendor_dir(), out_dir / "vendor", dirs_exist_ok=True)
    shutil.copytree(scripts_dir(), out_dir / "scripts", dirs_exist_ok=True)
    urls = static_urls()
    build = SiteBuild(out_dir)
    jobs = _jobs(data, languages)
    for done, (lang, name, zone_id) in enumerate(jobs, 1):
        ctx = PageContext(lang=lang, basemap=basemap, urls=urls)
        html = render_zone(zone_id, data, ctx) if zone_id else render(name, data, ctx)
        path = out_dir / (urls.zone(zone_id, lang) if zone_id else urls.page(name, lang))
        path.write_text(with_meta_policy(html), encoding="utf-8")
        build.pages.append(path)
        if progress is not None:
            progress(done, len(jobs), path.name)
    default = DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in languages else languages[0]
    shutil.copyfile(out_dir / urls.page("index", default), out_dir / "index.html")
    return build


def build_static_site(
    store: BulkReader,
    out_dir: Path,
    *,
    settings: Any = None,
    languages: Sequence[str] = LANGUAGES,
    basemap: str = "offline",
    simplify: float = STATIC_SIMPLIFY_DEG,
    progress: Progress | None = None,
    rasters: Any = None,
) -> SiteBuild:
    """Build the static site from the store (``geo-industry maps build -o DIR``).

    Parameters
    ----------
    store
        The opened store (layers, statistics).
    out_dir
        Folder to write into: ``index.html``, ``<page>.<lang>.html``, ``zone-<id>.<lang>.html``
        and ``vendor/``.
    settings
        :class:`geo_industry.settings.Settings`; its ``boundary_path`` and ``rivers_path``
        give the offline reference layers, its ``vector_tile_threshold`` the size from which a
        layer is left out (as the served overview draws it from tiles; never read whole, its legend
        says so). Without settings every layer is embedded.
    languages, basemap
        Languages to write and the basemap selected when a page opens (readers can switch
        basemaps in the layer control).
    simplify
        Tolerance in degrees for lines and polygons embedded in the pages.
    progress
        Callback ``(done, total, file_name)`` after each page, e.g. to drive a progress bar.
    rasters
        A :class:`~geo_industry.raster.service.RasterService` whose assessments go on the fact
        sheets and whose products become image overlays (``rasters/*.png``, EPSG:3857, at most
        1024 px a side). By default one is built from ``settings`` (``raster_dir``, ``dem_path``,
        ``rivers_path``); without settings the site has neither.
    """
    own = rasters is None and settings is not None
    if own:
        rasters = RasterService.from_settings(settings)
        rasters.update(store)
    try:
        overlays = static_overlays(rasters, Path(out_dir)) if rasters is not None else ()
        data = map_data_from_store(
            store,
            boundary_path=getattr(settings, "boundary_path", None),
            rivers_path=getattr(settings, "rivers_path", None),
            simplify=simplify,
            assessments=None if rasters is None else {a.zone_id: a for a in rasters.assessments},
            overlays=overlays,
            investor_facts_path=getattr(settings, "investor_facts_path", None),
            read_below=getattr(settings, "vector_tile_threshold", None),
        )
    finally:
        if own:
            rasters.close()
    build = build_site_from_data(data, out_dir, languages=languages, basemap=basemap, progress=progress)
    build.left_out = {layer_id: summary.features for layer_id, summary in data.summaries.items()}
    return build

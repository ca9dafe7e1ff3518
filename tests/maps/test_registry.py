"""The page registry is the one list of pages: builders, routes and the menu follow it."""

from __future__ import annotations

from fastapi.routing import APIRoute

from geo_industry.maps.pages import MAP_BUILDERS
from geo_industry.maps.registry import MAP_PAGES, PAGE_NAMES
from geo_industry.maps.routes import router


def test_every_map_page_has_a_builder_and_every_builder_a_page() -> None:
    assert set(MAP_BUILDERS) == {page.name for page in MAP_PAGES}


def test_every_page_is_routed() -> None:
    paths = {route.path for route in router.routes if isinstance(route, APIRoute)}
    expected = {f"{router.prefix}/" if name == "index" else f"{router.prefix}/{name}" for name in PAGE_NAMES}
    assert expected <= paths

"""Shared test constants and fixtures: the embedded data, the shared fixtures folder, a PostGIS cluster."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.pgcluster import Cluster, binaries_present

from geo_industry.settings import Settings
from geo_industry.store import EmbeddedStore

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
#: Openly licensed boundaries, rivers, places and a DEM (see its SOURCES.md); read in place.
FIXTURES_DIR = REPO_ROOT.parent / "shared" / "fixtures"
RESEARCH_DIR = REPO_ROOT.parent / "shared" / "research"

#: Starlette's TestClient sends ``Host: testserver``; apps built in this process trust it besides the
#: loopback names (servers started through tests/live_server.py get a clean environment).
os.environ.setdefault("GEO_INDUSTRY_TRUSTED_HOSTS", "localhost,127.0.0.1,[::1],testserver")

DEM_TIF = FIXTURES_DIR / "laocai_dem.tif"
MERGED_BOUNDARY = FIXTURES_DIR / "laocai_2025_merged.geojson"
RIVERS = FIXTURES_DIR / "laocai_rivers.geojson"


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings for the embedded data, ignoring any environment file."""
    return Settings(data_dir=DATA_DIR, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def store(settings: Settings) -> EmbeddedStore:
    """The embedded store, loaded once per test session."""
    return EmbeddedStore.from_settings(settings)


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """A new cluster, stopped and removed on exit; the test is skipped only when PostGIS is not installed."""
    if not binaries_present():
        pytest.skip("PostgreSQL 15 with PostGIS is not installed (make test installs postgresql-15-postgis-3)")
    cluster = Cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL/PostGIS cluster (:mod:`tests.pgcluster`) shared by every folder's tests,
    started on first use and removed at the end; skipped only when PostGIS is not installed."""
    with throwaway_cluster() as cluster:
        yield cluster

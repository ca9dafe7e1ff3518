"""Every store backend under one contract: a backend joins the suite by adding one fixture here.

As geopandas runs its I/O tests over every engine, the tests in this folder take ``backend``
(every backend, read tests) or ``writable`` (every backend, skipped for read-only ones) and
never ask which class they got. A new backend (PostGIS …) adds a module-scoped fixture that
opens it over the repository's ``data/`` and appends the fixture's name to ``BACKEND_FIXTURES``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.conftest import DATA_DIR
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database

from geo_industry.api import create_app
from geo_industry.settings import Settings
from geo_industry.store import EmbeddedStore, FeatureStore, WritableStore, open_store
from geo_industry.store.sqlite import SQLiteStore


@pytest.fixture(scope="module")
def embedded_backend() -> FeatureStore:
    """The read-only files of ``data/``."""
    return EmbeddedStore.from_directory(DATA_DIR)


@pytest.fixture(scope="module")
def sqlite_backend(tmp_path_factory: pytest.TempPathFactory) -> FeatureStore:
    """The editable SQLite store, seeded from ``data/`` in a fresh database."""
    return SQLiteStore.open(tmp_path_factory.mktemp("sqlite") / "store.sqlite", seed_dir=DATA_DIR)


@pytest.fixture(scope="module")
def postgis_backend(pg_cluster: Cluster) -> Iterator[FeatureStore]:
    """The PostGIS store over ``data/`` as ``db init`` + ``db load`` leave it, in a database of its own."""
    store = open_store(Settings(data_dir=DATA_DIR, store_backend="postgis",  # type: ignore[call-arg]
                                database_url=loaded_database(pg_cluster, DATA_DIR, "contract"), _env_file=None))
    try:
        yield store
    finally:
        store.close()  # type: ignore[attr-defined]


#: the fixtures above, one per backend
BACKEND_FIXTURES = ["embedded_backend", "sqlite_backend", "postgis_backend"]


@pytest.fixture(scope="module", params=BACKEND_FIXTURES)
def backend(request: pytest.FixtureRequest) -> FeatureStore:
    """Every backend in turn (shared by the tests of one module)."""
    store: FeatureStore = request.getfixturevalue(request.param)
    return store


@pytest.fixture(scope="module")
def writable(backend: FeatureStore) -> WritableStore:
    """Every backend that takes writes; read-only ones skip the test."""
    if not isinstance(backend, WritableStore):
        pytest.skip(f"{type(backend).__name__} is read-only")
    return backend


@pytest.fixture(scope="module")
def client(backend: FeatureStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The real app serving ``backend`` (rasters built in a temporary folder)."""
    settings = Settings(data_dir=DATA_DIR, raster_dir=tmp_path_factory.mktemp("rasters"),
                        _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings, store=backend)) as test_client:
        yield test_client

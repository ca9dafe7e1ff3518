"""A session-wide throwaway PostGIS cluster (see :mod:`tests.pgcluster`); skipped only when not installed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.pgcluster import Cluster, binaries_present


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A running cluster with a ``geo_industry`` database holding PostGIS, removed at the end."""
    if not binaries_present():
        pytest.skip("PostgreSQL 15 with PostGIS is not installed (make test installs postgresql-15-postgis-3)")
    cluster = Cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()

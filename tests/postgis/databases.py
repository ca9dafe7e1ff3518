"""Fresh databases in the throwaway cluster: one per test module, so modules never share state."""

from __future__ import annotations

import itertools
import os

from tests.pgcluster import Cluster

_numbers = itertools.count()


def new_database(cluster: Cluster, prefix: str = "test") -> str:
    """Create an empty database holding PostGIS; return its ``postgresql://`` URL."""
    name = f"{prefix}_{os.getpid()}_{next(_numbers)}"
    cluster.psql("postgres", f'CREATE DATABASE "{name}"')
    cluster.psql(name, "CREATE EXTENSION IF NOT EXISTS postgis")
    return cluster.url.rsplit("/", 1)[0] + f"/{name}"

"""Fresh databases in the throwaway cluster: one per test module, so modules never share state."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import orjson
from tests.conftest import DATA_DIR
from tests.pgcluster import Cluster

if TYPE_CHECKING:
    from geo_industry.store.postgis import PostGISReader

ReaderT = TypeVar("ReaderT", bound="PostGISReader")

_numbers = itertools.count()


def new_database(cluster: Cluster, prefix: str = "test") -> str:
    """Create an empty database holding PostGIS; return its ``postgresql://`` URL."""
    name = f"{prefix}_{os.getpid()}_{next(_numbers)}"
    cluster.psql("postgres", f'CREATE DATABASE "{name}"')
    cluster.psql(name, "CREATE EXTENSION IF NOT EXISTS postgis")
    return cluster.url.rsplit("/", 1)[0] + f"/{name}"


_loaded_templates: dict[tuple[int, str], str] = {}

GENERATOR_SQL = Path(__file__).resolve().parents[2] / "bench" / "synthetic_layers.sql"
"""The benchmark's synthetic layers (``synthetic_points``, ``synthetic_parcels``) generated in SQL."""


def with_synthetic_layers(url: str, *, points: int, parcels: int = 0) -> str:
    """Add ``points`` synthetic points and ``parcels`` parcels in the province to the database at ``url``
    (:data:`GENERATOR_SQL`, a fixed seed); return ``url``."""
    subprocess.run(["psql", "-X", "-q", "-v", f"points={points}", "-v", f"parcels={parcels}", "-v", "seed=0.42",
                    "-f", str(GENERATOR_SQL), url], check=True, capture_output=True, text=True)
    return url


def loaded_database(cluster: Cluster, data_dir: Path, prefix: str = "loaded") -> str:
    """A new database holding ``data_dir`` as ``db load`` loads it; return its URL.

    The first call per cluster and folder loads a template database; later calls copy it
    (``CREATE DATABASE … TEMPLATE``, a file copy), so each test module gets its own database
    without loading again.
    """
    from geo_industry.store.postgis.connections import Database
    from geo_industry.store.postgis.loading import load_data

    key = (cluster.port, str(data_dir))
    template = _loaded_templates.get(key)
    if template is None:
        url = new_database(cluster, "template")
        with Database(url, pool_size=1) as database:
            load_data(database, data_dir)
        template = _loaded_templates[key] = url.rsplit("/", 1)[1]
    name = f"{prefix}_{os.getpid()}_{next(_numbers)}"
    cluster.psql("postgres", f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return cluster.url.rsplit("/", 1)[0] + f"/{name}"


def data_with_odd_sites(folder: Path, features: list[dict]) -> Path:
    """A copy of ``data/`` with one more layer, ``odd_sites``, of every field type."""
    data = folder / "data"
    shutil.copytree(DATA_DIR, data)
    catalog = orjson.loads((data / "geo" / "catalog.json").read_bytes())
    catalog["layers"].append({
        "id": "odd_sites", "title": {"vi": "Điểm thử", "en": "Test sites"}, "description": {"vi": "-", "en": "-"},
        "geometry_type": "Point", "licence": "CC0-1.0", "attribution": "test",
        "fields": [{"name": "id", "type": "string"}, {"name": "open", "type": "boolean"},
                   {"name": "info", "type": "object"}, {"name": "tags", "type": "array"},
                   {"name": "n", "type": "integer"}, {"name": "x", "type": "number"},
                   {"name": "never_given", "type": "string"}]})
    (data / "geo" / "catalog.json").write_bytes(orjson.dumps(catalog))
    (data / "geo" / "odd_sites.geojson").write_bytes(orjson.dumps(
        {"type": "FeatureCollection", "name": "odd_sites", "features": features}))
    return data


def database_tokens(url: str) -> dict[str, str]:
    """Tokens in the database at ``url`` (the PostGIS backend keeps its API keys there), as
    :func:`tests.editing.conftest.create_tokens` makes them."""
    from tests.editing.conftest import create_tokens

    from geo_industry.store.postgis.api_keys import PostGISKeys
    from geo_industry.store.postgis.connections import Database

    with Database(url, pool_size=1) as database:
        return create_tokens(PostGISKeys(database))


@contextmanager
def opened(url: str, kind: type[ReaderT], *, pool_size: int = 2) -> Iterator[ReaderT]:
    """A PostGIS reader or store of ``kind`` over ``url`` with its own pool, closed on leaving."""
    from geo_industry.store.postgis.connections import Database

    store = kind(Database(url, pool_size=pool_size))
    try:
        yield store
    finally:
        store.close()

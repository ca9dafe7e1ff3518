"""The one place that knows every store backend and opens the one the settings name."""

from __future__ import annotations

from collections.abc import Callable

from geo_industry.errors import DataError
from geo_industry.settings import Settings
from geo_industry.store.base import FeatureStore, WritableStore
from geo_industry.store.embedded import EmbeddedStore
from geo_industry.store.sqlite import SQLiteStore
from geo_industry.store.writes import WriteLimits


def _open_embedded(settings: Settings) -> FeatureStore:
    return EmbeddedStore.from_settings(settings)


def _open_sqlite(settings: Settings) -> WritableStore:
    limits = WriteLimits(max_vertices=settings.max_vertices, max_features=settings.max_features_per_request)
    return SQLiteStore.open(settings.store_path, seed_dir=settings.data_dir, limits=limits)


def _open_postgis(settings: Settings) -> WritableStore:
    from geo_industry.store.postgis import PostGISStore

    return PostGISStore.from_settings(settings)


# settings.store_backend -> opener; a new backend adds one entry here (and one to the Settings Literal)
WRITABLE_BACKENDS: dict[str, Callable[[Settings], WritableStore]] = {"sqlite": _open_sqlite,
                                                                    "postgis": _open_postgis}
BACKENDS: dict[str, Callable[[Settings], FeatureStore]] = {"embedded": _open_embedded, **WRITABLE_BACKENDS}
#: the writable backend the command line edits when the settings name a read-only one
DEFAULT_WRITABLE_BACKEND = "sqlite"
#: backends several server processes may serve at once, each process opening its own store: the embedded
#: files are read-only; SQLite in WAL mode serialises writes on the file's lock and every process reads the
#: revision on each request (tests/editing/test_editing_load.py runs two workers on one file); PostGIS
#: notifies every worker's revision listener of each commit (geo_industry.store.postgis.notify)
MULTI_PROCESS_BACKENDS = frozenset({"embedded", "sqlite", "postgis"})


def prepare_for_processes(settings: Settings) -> None:
    """Create what the backend needs once, before several server processes open it.

    A new SQLite store is seeded here, in one process, so that workers starting together do not
    seed the same file at once; a PostGIS database is checked (reachable, schema current), so a
    mistake is one clear message, not every worker failing.
    """
    if settings.store_backend == "sqlite":
        SQLiteStore.open(settings.store_path, seed_dir=settings.data_dir).close()
    elif settings.store_backend == "postgis":
        _check_postgis(settings)


def _check_postgis(settings: Settings) -> None:
    import psycopg

    from geo_industry.store.postgis.connections import redact
    from geo_industry.store.postgis.schema import applied_versions, latest_version

    for secret in (settings.database_url, settings.database_read_url):
        if secret is None:
            continue
        url = secret.get_secret_value()
        try:
            with psycopg.connect(url, connect_timeout=10) as conn:
                versions = applied_versions(conn)
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DataError(f"cannot use the database {redact(url)}: {reason}") from None
        if max(versions, default=0) < latest_version():
            raise DataError(f"the database {redact(url)} is at schema version {max(versions, default=0)}, "
                            f"not {latest_version()}: run `geo-industry db init` and `geo-industry db load`")


def open_store(settings: Settings) -> FeatureStore:
    """The backend chosen by ``settings.store_backend``."""
    return BACKENDS[settings.store_backend](settings)


def open_writable_store(settings: Settings) -> WritableStore:
    """The writable backend the settings name (the default editable one when they name a read-only one)."""
    return WRITABLE_BACKENDS.get(settings.store_backend, WRITABLE_BACKENDS[DEFAULT_WRITABLE_BACKEND])(settings)

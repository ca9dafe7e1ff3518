"""Connections of the PostGIS backend: a pool for the primary and one for reads (a replica, if set).

:class:`Database` holds a :class:`psycopg_pool.ConnectionPool` for the write URL and, when a
read URL is set, one for it (else reads share the write pool). Every connection gets the
statement timeout (the request budget by default); a snapshot's transaction may sit idle no longer than
:attr:`Database.snapshot_idle_s`. URLs are kept as secrets: ``repr`` and
error messages show them with the password replaced. :meth:`Database.revisions` starts the
revision listener of :mod:`geo_industry.store.postgis.notify` on the same URLs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool

from geo_industry.errors import DataError
from geo_industry.settings import Settings
from geo_industry.store.postgis.notify import CONNECT_TIMEOUT_S, RevisionListener

REDACTED = "********"


def redact(url: str) -> str:
    """``url`` with its password (if any) replaced, for logs and messages."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparsable database URL>"
    if params.get("password"):
        params["password"] = REDACTED
    return make_conninfo("", **params)


def _check_url(url: str, setting: str) -> str:
    try:
        conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        raise DataError(f"{setting}: not a PostgreSQL connection URL (expected postgresql://user@host:port/db)") \
            from None
    return url


class Database:
    """The pools of one PostGIS database: writes to the primary, reads to ``read_url`` when set."""

    def __init__(self, url: str, *, read_url: str | None = None, pool_size: int = 8,
                 statement_timeout_s: float = 10.0, snapshot_idle_s: float | None = None,
                 application_name: str = "geo-industry") -> None:
        self._url = _check_url(url, "database_url")
        self.snapshot_idle_s = snapshot_idle_s or statement_timeout_s
        """The longest a snapshot's transaction may sit idle before the database ends it (its session
        with it), so a snapshot nobody releases cannot hold back vacuum; by default the statement timeout."""
        self._read_url = _check_url(read_url, "database_read_url") if read_url else None
        kwargs: dict[str, Any] = {
            "options": f"-c statement_timeout={int(statement_timeout_s * 1000)}",
            "application_name": application_name,
        }
        # a request waits for a pooled connection no longer than a statement may run (then: 503), and gets
        # one checked alive (one round trip), so the connections a database restart cut are replaced, not used
        pooled: dict[str, Any] = {"min_size": 1, "max_size": pool_size, "kwargs": kwargs, "open": True,
                                  "timeout": statement_timeout_s, "check": ConnectionPool.check_connection}
        self.write_pool = ConnectionPool(self._url, name="geo-industry-write", **pooled)
        self.read_pool = (ConnectionPool(self._read_url, name="geo-industry-read", **pooled)
                          if self._read_url else self.write_pool)
        self._listener: RevisionListener | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database the settings name (``database_url``, ``database_read_url``, pool size, timeout)."""
        if settings.database_url is None:
            raise DataError("no database: set GEO_INDUSTRY_DATABASE_URL to a postgresql:// URL")
        read = settings.database_read_url.get_secret_value() if settings.database_read_url else None
        return cls(settings.database_url.get_secret_value(), read_url=read, pool_size=settings.database_pool_size,
                   statement_timeout_s=settings.statement_timeout_s)

    @property
    def has_replica(self) -> bool:
        """Whether reads go to their own URL."""
        return self.read_pool is not self.write_pool

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A connection to the primary (for writes and whatever must see them at once)."""
        with self.write_pool.connection() as conn:
            yield conn

    @contextmanager
    def read_connection(self) -> Iterator[psycopg.Connection]:
        """A connection for reads (the replica when one is set)."""
        with self.read_pool.connection() as conn:
            yield conn

    def revisions(self) -> RevisionListener:
        """The revision listener of this database (started on the first call, which waits for its first
        connection a few seconds at most; stopped by :meth:`close`)."""
        if self._listener is None:
            self._listener = RevisionListener(self._url, self._read_url).start(wait_s=CONNECT_TIMEOUT_S)
        return self._listener

    def close(self) -> None:
        """Stop the revision listener and close the pools."""
        if self._listener is not None:
            self._listener.stop()
        self.write_pool.close()
        if self.has_replica:
            self.read_pool.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        read = f", read_url={redact(self._read_url)!r}" if self._read_url else ""
        return f"Database(url={redact(self._url)!r}{read})"

"""Connections of the PostGIS backend: a pool for the primary and one for reads (a replica, if set).

:class:`Database` holds a :class:`psycopg_pool.ConnectionPool` for the write URL and, when a
read URL is set, one for it (else reads share the write pool). Every connection gets the
statement timeout (the request budget by default); a snapshot's transaction may sit idle no longer than
:attr:`Database.snapshot_idle_s`. URLs are kept as secrets: ``repr`` and
error messages show them with the password replaced. :meth:`Database.revisions` starts the
revision listener of :mod:`geo_industry.store.postgis.notify` on the same URLs.

Reads read their writes: while the replica has not replayed the newest revision this process
knows of (a write it committed, :meth:`Database.committed`, or one the listener heard of), reads
go to the primary (:attr:`ReadRoutes.from_primary` counts them); the first read to find the replica
behind a revision waits for it up to :attr:`Database.replica_wait_s` first (the setting
``database_replica_wait_ms``, 50 ms by default: a replica on the same network usually replays within
it). So whatever revision the listener reports, the connection a read gets shows it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.types.json import set_json_loads
from psycopg_pool import ConnectionPool

from geo_industry.errors import DataError
from geo_industry.json_values import load_json
from geo_industry.settings import Settings
from geo_industry.store.base import ReadRoutes
from geo_industry.store.postgis.notify import CONNECT_TIMEOUT_S, RevisionListener

REDACTED = "********"
#: seconds a read waits for the replica to replay a revision it lacks before going to the primary, by default
REPLICA_WAIT_S = 0.05
def _configure(conn: psycopg.Connection) -> None:
    """Set up a new pooled connection: ``json``/``jsonb`` read by :func:`load_json`."""
    set_json_loads(load_json, conn)


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
                 replica_wait_s: float = REPLICA_WAIT_S, application_name: str = "geo-industry") -> None:
        self._url = _check_url(url, "database_url")
        self.snapshot_idle_s = snapshot_idle_s or statement_timeout_s
        """The longest a snapshot's transaction may sit idle before the database ends it (its session
        with it), so a snapshot nobody releases cannot hold back vacuum; by default the statement timeout."""
        self._read_url = _check_url(read_url, "database_read_url") if read_url else None
        self.replica_wait_s = replica_wait_s
        """How long the first read to find the replica behind a known revision waits for it (then: the primary)."""
        kwargs: dict[str, Any] = {
            "options": f"-c statement_timeout={int(statement_timeout_s * 1000)}",
            "application_name": application_name,
        }
        # a request waits for a pooled connection no longer than a statement may run (then: 503), and gets
        # one checked alive (one round trip), so the connections a database restart cut are replaced, not used
        pooled: dict[str, Any] = {"min_size": 1, "max_size": pool_size, "kwargs": kwargs, "open": True,
                                  "timeout": statement_timeout_s, "check": ConnectionPool.check_connection,
                                  "configure": _configure}
        self.write_pool = ConnectionPool(self._url, name="geo-industry-write", **pooled)
        self.read_pool = (ConnectionPool(self._read_url, name="geo-industry-read", **pooled)
                          if self._read_url else self.write_pool)
        self._listener: RevisionListener | None = None
        self._from_primary = 0
        self._waited_for = 0  # the newest revision a read waited for the replica to show
        self._counting = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database the settings name (``database_url``, ``database_read_url``, pool size, timeout,
        replica wait)."""
        if settings.database_url is None:
            raise DataError("no database: set GEO_INDUSTRY_DATABASE_URL to a postgresql:// URL")
        read = settings.database_read_url.get_secret_value() if settings.database_read_url else None
        return cls(settings.database_url.get_secret_value(), read_url=read, pool_size=settings.database_pool_size,
                   statement_timeout_s=settings.statement_timeout_s,
                   replica_wait_s=settings.database_replica_wait_ms / 1000)

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
        """A connection for reads, from :meth:`pool_for_reads`."""
        with self.pool_for_reads().connection() as conn:
            yield conn

    def pool_for_reads(self) -> ConnectionPool:
        """The pool a read takes its connection from now: the replica's when one is set and it shows the
        newest revision known (waiting for it :attr:`replica_wait_s` at most), else the primary's."""
        return self.read_pool if self._replica_is_current() else self.write_pool

    def _replica_is_current(self) -> bool:
        """Whether the replica shows every revision this process knows of (no replica: trivially)."""
        listener = self._listener
        if not self.has_replica or listener is None:
            return True
        newest = listener.behind()
        if newest is None:
            return True
        if newest > self._waited_for:  # the first read to miss this revision waits; the others do not wait again
            self._waited_for = newest
            if listener.wait_for(lambda replayed: replayed is None or replayed >= newest, self.replica_wait_s):
                return True
        with self._counting:
            self._from_primary += 1
        return False

    def committed(self, revision: int) -> None:
        """This process committed ``revision`` (after the commit): reads wait for the replica to show it."""
        if self._listener is not None:
            self._listener.saw_commit(revision)

    def read_routes(self) -> ReadRoutes | None:
        """Where reads go (``None`` without a replica)."""
        if not self.has_replica:
            return None
        listener = self._listener
        return ReadRoutes(listener.revision() if listener else None, listener.replayed() if listener else None,
                          self._from_primary, round(self.replica_wait_s * 1000))

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

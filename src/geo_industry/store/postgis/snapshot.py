"""A read view of the PostGIS store pinned at one revision: :class:`PostGISSnapshot`.

Reads that must agree with each other — a page and its count, a download's count and rows, the
statistics records and the features they name, a fact sheet's layers — go through one snapshot:
one pooled connection holding one ``REPEATABLE READ READ ONLY`` transaction, begun together with
the read of its revision in one round trip, so a write committed meanwhile is not seen. The view is
the reader's code over that one connection (every read the reader makes), and shares the store's
per-revision caches, whose entries are keyed by the revision they hold.

A snapshot is released by leaving its ``with`` block (or :meth:`PostGISSnapshot.release`, or when
it is garbage-collected): the transaction ends and the connection returns to the pool as it was
taken. One nobody releases is ended by the database once its transaction has been idle for
:attr:`~geo_industry.store.postgis.connections.Database.snapshot_idle_s`
(``idle_in_transaction_session_timeout``), so it cannot hold back vacuum; each statement stays
bounded by the statement timeout.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from psycopg.errors import IdleInTransactionSessionTimeout
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool

from geo_industry.store.postgis.reader import PostGISReader
from geo_industry.store.postgis.schema import table


class SnapshotReleased(RuntimeError):
    """A read through a snapshot that was already released."""


class SnapshotEnded(psycopg.OperationalError):
    """A read through a snapshot the database ended past its idle bound (like a lost connection: a 503)."""


def _begin_statement(idle_s: float) -> sql.Composed:
    """Begin the snapshot, bound its idle time and read its revisions: one round trip (no parameters, so
    the three statements go as one simple query)."""
    return sql.SQL("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
                   "SET LOCAL idle_in_transaction_session_timeout = {}; "
                   "SELECT value, statistics_revision FROM {}").format(
        sql.Literal(max(1, int(idle_s * 1000))), table("revision"))


def _give_back(pool: ConnectionPool, conn: psycopg.Connection) -> None:
    """End the connection's transaction and return it to the pool as the pool handed it out (a connection
    that cannot be reset, e.g. one the database ended, is closed: the pool drops it and opens another)."""
    try:
        if conn.info.transaction_status != TransactionStatus.IDLE:
            conn.execute("ROLLBACK")
        conn.autocommit = False
    except psycopg.Error:
        conn.close()
    pool.putconn(conn)


class _Lease:
    """One pooled connection in a snapshot transaction, given back once."""

    def __init__(self, pool: ConnectionPool, idle_s: float) -> None:
        self._pool = pool
        self._lock = threading.Lock()
        conn = pool.getconn()
        try:
            conn.autocommit = True  # the snapshot's transaction is begun and ended here, by statement
            cursor = conn.execute(_begin_statement(idle_s))
            while cursor.nextset():
                pass
            row = cursor.fetchone()
        except BaseException:
            _give_back(pool, conn)
            raise
        self._conn: psycopg.Connection | None = conn
        self.revisions = (0, 0) if row is None else (int(row[0]), int(row[1]))

    def connection(self) -> psycopg.Connection:
        """The connection holding the snapshot; :class:`SnapshotReleased` once given back."""
        conn = self._conn
        if conn is None:
            raise SnapshotReleased("this snapshot was released; take a new one (store.snapshot())")
        return conn

    def give_back(self) -> None:
        """End the transaction and return the connection to the pool (once; later calls do nothing)."""
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            _give_back(self._pool, conn)


class PostGISSnapshot(PostGISReader):
    """The store's reads in one read-only transaction: every read sees the revision it was taken at.

    Use it in a ``with`` block (``with store.snapshot() as view:``); it holds a pooled connection
    until released. Reads only: writes go to the store.
    """

    def __init__(self, store: PostGISReader) -> None:
        super().__init__(store.database, cache_max_rows=store.cache_max_rows)
        self._lease = _Lease(store.database.pool_for_reads(), store.database.snapshot_idle_s)
        self._revision, statistics_revision = self._lease.revisions
        self._share_caches(store, statistics_revision)
        self._finalizer = weakref.finalize(self, self._lease.give_back)
        self._finalizer.atexit = False  # at exit the pools close with their connections: nothing to give back

    def _share_caches(self, store: PostGISReader, statistics_revision: int) -> None:
        """Use the store's caches: their entries are keyed by revision, and what one revision holds is
        the same in every view of it (its statistics tables: in every view of its statistics revision)."""
        self._frames, self._counts, self._counting = store._frames, store._counts, store._counting
        self._extents, self.selection_counts = store._extents, store.selection_counts
        metadata, tables, facts = store._metadata_cache, store._tables_cache, store._investor_facts
        self._metadata_cache = metadata if metadata is not None and metadata.revision == self._revision else None
        self._investor_facts = facts if facts is not None and facts[0] == self._revision else None
        self._tables_cache = (tables if tables is not None and tables.statistics_revision == statistics_revision
                              else None)

    def release(self) -> None:
        """End the snapshot's transaction and return its connection to the pool (idempotent)."""
        self._finalizer()

    close = release  # closing a view releases it; the store's pools stay open

    @property
    def released(self) -> bool:
        """Whether the snapshot has been released (its reads then raise :class:`SnapshotReleased`)."""
        return not self._finalizer.alive

    def __enter__(self) -> PostGISSnapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(revision={self._revision}, {self.database!r})"

    def snapshot(self) -> PostGISSnapshot:
        """The view itself: it is pinned already."""
        return self

    def revision(self) -> int:
        """The revision the snapshot was taken at (every read asks it first: a released view refuses them all,
        those its caches could answer too)."""
        self._lease.connection()
        return self._revision

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """The snapshot's connection, for every read (already in its transaction)."""
        try:
            yield self._lease.connection()
        except IdleInTransactionSessionTimeout:
            raise SnapshotEnded(f"the database ended the snapshot of revision {self._revision}: it sat idle longer "
                                f"than {self.database.snapshot_idle_s:g} s") from None

    _reading = _one_statement = _connection

"""The connection under a read view pinned at one revision (:class:`.reader.PostGISSnapshot` reads through it).

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

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool

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


class Lease:
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

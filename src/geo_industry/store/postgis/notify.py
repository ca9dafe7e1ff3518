"""Every worker's view of the data revision, kept in memory by ``LISTEN``/``NOTIFY``.

Each committed write bumps the one row of ``geo_industry.revision`` and sends
``pg_notify('geo_industry_revision', value)`` in the same transaction. A :class:`RevisionListener`
thread per worker process listens on the primary (a standby cannot ``LISTEN``) and, on every
notification and every ``poll_s`` without one (the fallback for a notification lost with a
connection), reads the revision row.

With a replica it knows two revisions: the **primary's** (the row read on the primary, and the
writes this process committed, :meth:`RevisionListener.saw_commit`, known before any
notification) and the **replayed** one (the row read on the replica: what the replica's reads
can see). While the replica is behind the primary's revision, the row is read again every
``CATCH_UP_S``, and :class:`~geo_industry.store.postgis.connections.Database` sends reads to the
primary (after waiting a little for the replica): so :meth:`RevisionListener.revision`, the
newest of the two, is always one the worker's reads can see, and a response cache keyed on it
never keeps an answer older than its key, yet a write is readable at once, replayed or not.

:meth:`RevisionListener.revision` is a memory read, ``None`` while the listener has no connection
(starting, or the database is away); :meth:`RevisionListener.current` raises
:class:`RevisionUnknown` then, at once: the response cache asks for the revision on the event loop,
which must never wait for a database that is away. The API answers that error, an
``OperationalError``, with a 503. The thread reconnects with a growing pause, and reads the row
again on reconnecting, so nothing committed meanwhile is missed. Notification payloads are only wake-ups:
anyone may ``NOTIFY``, and the revision always comes from the row.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from geo_industry.store.postgis.schema import REVISION_CHANNEL, SCHEMA

logger = logging.getLogger(__name__)

#: seconds between reads of the revision row when no notification came (the fallback poll)
POLL_S = 0.5
#: seconds between reads while the read database (a replica) is behind a notified revision
CATCH_UP_S = 0.02
#: pauses before reconnecting after a lost connection: the first, the longest
RECONNECT_S = (0.1, 2.0)
#: seconds a connection attempt may take
CONNECT_TIMEOUT_S = 5
#: how the listener's connections show in ``pg_stat_activity``
APPLICATION_NAME = "geo-industry revision listener"


def revision_query() -> sql.Composed:
    """``SELECT`` of the revision counter."""
    return sql.SQL("SELECT value FROM {}").format(sql.Identifier(SCHEMA, "revision"))


def notify_statement(value: int) -> sql.Composed:
    """The ``pg_notify`` a write runs in its transaction after bumping the revision to ``value``."""
    return sql.SQL("SELECT pg_notify({}, {})").format(sql.Literal(REVISION_CHANNEL), sql.Literal(str(value)))


class RevisionUnknown(psycopg.OperationalError):
    """The listener has no connection to the database, so the current revision is not known."""


class RevisionListener:
    """The primary's latest revision and the one the read database shows, kept up to date by a thread.

    ``listen_url`` is the primary's connection string; ``read_url`` the database reads go to
    (``None``: the primary). Start it once per process (:meth:`start`), after any fork.
    """

    def __init__(self, listen_url: str, read_url: str | None = None, *, poll_s: float = POLL_S) -> None:
        self._listen_url, self._read_url, self.poll_s = listen_url, read_url, poll_s
        self._value: int | None = None  # what the read database shows (the replica's replayed revision)
        self._primary = 0  # the newest revision known committed on the primary
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="revision-listener", daemon=True)

    def __repr__(self) -> str:  # never the connection strings: they may hold a password
        return f"RevisionListener(revision={self._value}, replica={self._read_url is not None})"

    # what workers ask --------------------------------------------------------------------------------
    def revision(self) -> int | None:
        """The newest revision known (the primary's, or the replica's if newer); ``None`` without a connection."""
        value = self._value
        return None if value is None else max(value, self._primary)

    def current(self) -> int:
        """:meth:`revision`; raises :class:`RevisionUnknown` without a connection."""
        value = self.revision()
        if value is None:
            raise RevisionUnknown("no connection to the database: the data revision is not known")
        return value

    def replayed(self) -> int | None:
        """The latest revision the read database shows (the replica's replayed one); ``None`` without a connection."""
        return self._value

    def behind(self) -> int | None:
        """The primary's revision when the read database does not show it yet, else ``None``."""
        value, primary = self._value, self._primary
        return primary if value is not None and value < primary else None

    def saw_commit(self, revision: int) -> None:
        """This process committed ``revision`` on the primary (call after the commit, not before)."""
        with self._changed:
            self._primary = max(self._primary, revision)

    def wait_for(self, predicate: Callable[[int | None], bool], timeout_s: float) -> bool:
        """Block until ``predicate(replayed revision)`` holds (True) or ``timeout_s`` passed (False)."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self._value), timeout=timeout_s)

    # life --------------------------------------------------------------------------------------------
    def start(self, *, wait_s: float = 0.0) -> RevisionListener:
        """Start the thread (it connects in the background); wait up to ``wait_s`` for its first connection."""
        self._thread.start()
        if wait_s > 0:
            self.wait_for(lambda value: value is not None, wait_s)
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the thread and close its connections."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    # the thread --------------------------------------------------------------------------------------
    def _set(self, value: int | None, primary: int | None = None) -> None:
        with self._changed:
            self._value = value
            if primary is not None:
                self._primary = max(self._primary, primary)  # revisions never go back (a load bumps them too)
            self._changed.notify_all()

    def _advance(self, value: int, primary: int) -> None:
        """Move forward only: a read that started before a commit must not take the revision back."""
        with self._changed:
            self._primary = max(self._primary, primary)
            if self._value is not None and value > self._value:
                self._value = value
                self._changed.notify_all()

    def _run(self) -> None:
        pause = RECONNECT_S[0]
        failures = 0  # failed attempts since the connection was lost: the first is logged, the rest counted
        while not self._stop.is_set():
            try:
                with self._connections() as (listen, read):
                    listen.execute(sql.SQL("LISTEN {}").format(sql.Identifier(REVISION_CHANNEL)))
                    # after LISTEN: no commit falls between the two
                    self._set(_read_revision(read), _read_revision(listen) if listen is not read else None)
                    if failures:
                        logger.warning("revision listener: connected again after %d failed attempts", failures)
                    pause, failures = RECONNECT_S[0], 0
                    self._follow(listen, read)
            except psycopg.Error as exc:
                if not self._stop.is_set():
                    failures += 1
                    logger.log(logging.WARNING if failures == 1 else logging.DEBUG,
                               "revision listener: %s: %s; reconnecting (every %.1f s at most)", type(exc).__name__,
                               str(exc).strip().splitlines()[0] if str(exc) else "", RECONNECT_S[1])
            self._set(None)
            self._stop.wait(pause)
            pause = min(pause * 2, RECONNECT_S[1])

    @contextmanager
    def _connections(self) -> Iterator[tuple[psycopg.Connection, psycopg.Connection]]:
        with _connect(self._listen_url) as listen:
            if self._read_url is None:
                yield listen, listen
                return
            with _connect(self._read_url) as read:
                yield listen, read

    def _follow(self, listen: psycopg.Connection, read: psycopg.Connection) -> None:
        """Read the rows on each notification and each ``poll_s`` without one (each ``CATCH_UP_S`` while the
        read database is behind the primary), until stopped or cut."""
        replica = listen is not read
        while not self._stop.is_set():
            timeout = CATCH_UP_S if self.behind() is not None else self.poll_s
            notified = any(True for _ in listen.notifies(timeout=timeout, stop_after=1))
            primary = _read_revision(listen) if replica and (notified or self.behind() is None) else self._primary
            seen = _read_revision(read)
            self._advance(seen, primary if replica else seen)


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, application_name=APPLICATION_NAME)


def _read_revision(connection: psycopg.Connection) -> int:
    row = connection.execute(revision_query()).fetchone()
    if row is None:
        raise psycopg.DataError("the revision table has no row: run `geo-industry db init`")
    return int(row[0])

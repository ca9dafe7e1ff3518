"""The API keys of a PostGIS deployment, in its database (``geo_industry.api_keys``, migration 7).

Every worker on every machine checks writes against the same table, so a key created or revoked
with ``geo-industry keys …`` holds everywhere at once. Keys are read and written on the primary
(never a replica that may not have replayed a revocation yet); secrets are stored hashed, as
:mod:`geo_industry.keys` does for every store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.errors import UndefinedTable

from geo_industry.errors import DataError
from geo_industry.keys import ApiKey, KeyStore
from geo_industry.store.postgis.connections import Database
from geo_industry.store.postgis.schema import table

_COLUMNS = sql.SQL("id, name, scopes, created_at, revoked_at")


class PostGISKeys(KeyStore):
    """The key table of the PostGIS database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def __repr__(self) -> str:
        return f"PostGISKeys({self.database!r})"

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """A connection to the primary; a database without the key table is told to run ``db init``."""
        try:
            with self.database.connection() as conn:
                yield conn
        except UndefinedTable:
            raise DataError("the database has no API key table: run `geo-industry db init`") from None

    def _insert(self, key: ApiKey, secret_hash: str) -> None:
        with self._connection() as conn:
            conn.execute(sql.SQL("INSERT INTO {} (id, name, hash, scopes, created_at, revoked_at) "
                                 "VALUES (%s, %s, %s, %s, %s, %s)").format(table("api_keys")),
                         (key.id, key.name, secret_hash, list(key.scopes), key.created_at, key.revoked_at))

    def _all(self) -> list[ApiKey]:
        with self._connection() as conn:
            rows = conn.execute(sql.SQL("SELECT {} FROM {} ORDER BY created_at DESC, id").format(
                _COLUMNS, table("api_keys"))).fetchall()
        return [_key(row) for row in rows]

    def _revoke(self, key_id: str, at: str) -> bool:
        with self._connection() as conn:
            changed = conn.execute(sql.SQL("UPDATE {} SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL")
                                   .format(table("api_keys")), (at, key_id)).rowcount
        return bool(changed)

    def _find(self, key_id: str) -> tuple[ApiKey, str] | None:
        with self._connection() as conn:
            row = conn.execute(sql.SQL("SELECT {}, hash FROM {} WHERE id = %s").format(_COLUMNS, table("api_keys")),
                               (key_id,)).fetchone()
        return None if row is None else (_key(row[:5]), row[5])


def _key(row: tuple[Any, ...]) -> ApiKey:
    key_id, name, scopes, created_at, revoked_at = row
    return ApiKey(key_id, name, tuple(scopes), _text(created_at), None if revoked_at is None else _text(revoked_at))


def _text(at: datetime) -> str:
    """A timestamp as the key records show it (UTC, seconds, ``Z``)."""
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

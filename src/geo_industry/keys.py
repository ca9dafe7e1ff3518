"""API keys for planners' writes: random bearer tokens, stored hashed, each with scopes.

A token is ``gi_<key id>_<secret>``. Only the SHA-256 of the secret is stored (the secret
has 256 bits of entropy, so a slow hash adds nothing); lookups go by key id and compare in
constant time. Tokens are shown once, at creation, and never logged.

:class:`KeyStore` holds the operations over a key table; :class:`ApiKeys` keeps the table in the
SQLite store's file, and a store that keeps them in its own database (PostGIS: every worker on every
machine sees the same keys) says so with :class:`HoldsApiKeys`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from geo_industry.errors import InvalidParameter, NotAuthenticated, NotFound, PermissionDenied
from geo_industry.private_files import create_private

SCOPES = ("features:write", "stats:write", "layers:write")
TOKEN_PREFIX = "gi"


@dataclass(frozen=True)
class ApiKey:
    """A key's public record (never the secret)."""

    id: str
    name: str
    scopes: tuple[str, ...]
    created_at: str
    revoked_at: str | None

    @property
    def active(self) -> bool:
        """Whether the key may still be used."""
        return self.revoked_at is None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class KeyStore(ABC):
    """API keys over a table of them: creating, listing, revoking, authenticating (the table's storage
    is the subclass's: :class:`ApiKeys` a SQLite file, the PostGIS backend its database)."""

    # the table -------------------------------------------------------------------------------------
    @abstractmethod
    def _insert(self, key: ApiKey, secret_hash: str) -> None:
        """Store a new key with the hash of its secret."""

    @abstractmethod
    def _all(self) -> list[ApiKey]:
        """Every key, newest first."""

    @abstractmethod
    def _revoke(self, key_id: str, at: str) -> bool:
        """Mark an active key revoked at ``at``; whether one was."""

    @abstractmethod
    def _find(self, key_id: str) -> tuple[ApiKey, str] | None:
        """The key with ``key_id`` and the hash of its secret, if any."""

    # the operations --------------------------------------------------------------------------------
    def create(self, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
        """Create a key; returns its record and the token (shown once)."""
        unknown = [s for s in scopes if s not in SCOPES]
        if not scopes or unknown:
            raise InvalidParameter("scopes", ",".join(unknown or scopes), "one or more of " + ", ".join(SCOPES))
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        record = ApiKey(key_id, name, tuple(scopes), _now(), None)
        self._insert(record, _hash(secret))
        return record, f"{TOKEN_PREFIX}_{key_id}_{secret}"

    def list(self) -> list[ApiKey]:
        """Every key, newest first."""
        return self._all()

    def revoke(self, key_id: str) -> None:
        """Revoke a key at once; its token stops working."""
        if not self._revoke(key_id, _now()):
            raise NotFound(f"no active API key '{key_id}'")

    def authenticate(self, token: str | None) -> ApiKey:
        """The active key a bearer token belongs to; raises :class:`NotAuthenticated` otherwise."""
        if not token:
            raise NotAuthenticated("this operation needs an API key: send 'Authorization: Bearer <token>'")
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            raise NotAuthenticated("the bearer token is not a geo-industry API key")
        found = self._find(parts[1])
        if found is None or not hmac.compare_digest(found[1], _hash(parts[2])):
            raise NotAuthenticated("the API key is unknown or wrong")
        key = found[0]
        if key.revoked_at is not None:
            raise NotAuthenticated(f"the API key {key.id} was revoked on {key.revoked_at}")
        return key


class ApiKeys(KeyStore):
    """The key table of the editable store's SQLite database."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        create_private(self.path)
        con = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        con.execute("PRAGMA synchronous=FULL")
        con.execute(
            "CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL, "
            "scopes TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)")
        return con

    def _insert(self, key: ApiKey, secret_hash: str) -> None:
        con = self._connect()
        try:
            con.execute("INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, NULL)",
                        (key.id, key.name, secret_hash, ",".join(key.scopes), key.created_at))
        finally:
            con.close()

    def _all(self) -> list[ApiKey]:
        con = self._connect()
        try:
            rows = con.execute("SELECT id, name, scopes, created_at, revoked_at FROM api_keys "
                               "ORDER BY created_at DESC, id").fetchall()
        finally:
            con.close()
        return [ApiKey(r[0], r[1], tuple(r[2].split(",")), r[3], r[4]) for r in rows]

    def _revoke(self, key_id: str, at: str) -> bool:
        con = self._connect()
        try:
            changed = con.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                                  (at, key_id)).rowcount
        finally:
            con.close()
        return bool(changed)

    def _find(self, key_id: str) -> tuple[ApiKey, str] | None:
        con = self._connect()
        try:
            row = con.execute("SELECT id, name, hash, scopes, created_at, revoked_at FROM api_keys WHERE id = ?",
                              (key_id,)).fetchone()
        finally:
            con.close()
        if row is None:
            return None
        return ApiKey(row[0], row[1], tuple(row[3].split(",")), row[4], row[5]), row[2]


@runtime_checkable
class HoldsApiKeys(Protocol):
    """A store that keeps the API keys in its own database (shared by every worker reading it)."""

    def api_keys(self) -> KeyStore:
        """The store's API keys."""
        ...


def require_scope(key: ApiKey, scope: str) -> None:
    """Raise :class:`PermissionDenied` unless ``key`` has ``scope``."""
    if scope not in key.scopes:
        raise PermissionDenied(f"the API key {key.id} lacks the scope '{scope}' (it has {', '.join(key.scopes)})")

"""API keys for planners' writes: random bearer tokens, stored hashed, each with scopes.

A token is ``gi_<key id>_<secret>``. Only the SHA-256 of the secret is stored (the secret
has 256 bits of entropy, so a slow hash adds nothing); lookups go by key id and compare in
constant time. Tokens are shown once, at creation, and never logged.

:class:`KeyStore` holds the operations over a key table; :class:`ApiKeys` keeps the table in the
SQLite store's file, and a store that keeps them in its own database (PostGIS: every worker on every
machine sees the same keys) says so with :class:`HoldsApiKeys`. :func:`read_key_file` reads the keys of
such a file, hashes and all, and :meth:`KeyStore.import_keys` stores them in another key table as they
are: moving to PostGIS keeps the issued tokens working (``geo-industry db import-keys``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from geo_industry.errors import DataError, InvalidParameter, NotAuthenticated, NotFound, PermissionDenied
from geo_industry.private_files import create_private

SCOPES = ("features:write", "stats:write", "layers:write")
TOKEN_PREFIX = "gi"
_KEY_ID = re.compile(r"[0-9A-Za-z-]{1,64}")
_SECRET_HASH = re.compile(r"[0-9a-f]{64}")


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


@dataclass(frozen=True)
class HashedKey:
    """A key as a key table holds it: its record and the SHA-256 of its secret (never the secret)."""

    key: ApiKey
    secret_hash: str


@dataclass
class KeyImport:
    """What :meth:`KeyStore.import_keys` did, by key id."""

    imported: list[str] = field(default_factory=list)
    """Keys the table did not hold, now stored."""
    present: list[str] = field(default_factory=list)
    """Keys the table held already (the same secret); a revocation of the imported copy is applied."""
    conflicting: list[str] = field(default_factory=list)
    """Ids the table holds for a different secret: left as they are, not imported."""


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

    def import_keys(self, keys: Iterable[HashedKey]) -> KeyImport:
        """Store ``keys`` as they are (hashed, revoked or not, with their dates); keys already held are
        left as they are but for a revocation, so importing again changes nothing."""
        done = KeyImport()
        for hashed in keys:
            key = hashed.key
            found = self._find(key.id)
            if found is None:
                self._insert(key, hashed.secret_hash)
                done.imported.append(key.id)
            elif hmac.compare_digest(found[1], hashed.secret_hash):
                if key.revoked_at is not None and found[0].revoked_at is None:
                    self._revoke(key.id, key.revoked_at)
                done.present.append(key.id)
            else:
                done.conflicting.append(key.id)
        return done

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
            con.execute("INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?)",
                        (key.id, key.name, secret_hash, ",".join(key.scopes), key.created_at, key.revoked_at))
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


def read_key_file(path: Path) -> list[HashedKey]:
    """The keys of an editable store's SQLite file with the hashes of their secrets, read without changing
    the file; raises :class:`DataError` naming the file when it is missing, not a SQLite database or holds
    a malformed key (a file without a key table holds no keys)."""
    if not path.is_file():
        raise DataError(f"{path}: no such key file (expected the SQLite store's file, GEO_INDUSTRY_STORE_PATH)")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            has_table = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'api_keys'")\
                .fetchone()
            rows = con.execute("SELECT id, name, hash, scopes, created_at, revoked_at FROM api_keys "
                               "ORDER BY created_at, id").fetchall() if has_table else []
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise DataError(f"{path}: not a readable SQLite key file ({exc})") from None
    return [_hashed_key(path, row) for row in rows]


def _hashed_key(path: Path, row: tuple[object, ...]) -> HashedKey:
    """A row of a key file's table as a key; raises :class:`DataError` naming the file and the key."""
    key_id, name, secret_hash, scopes, created_at, revoked_at = row
    shown = repr(key_id)[:70]
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        raise DataError(f"{path}: malformed API key id {shown} (expected letters, digits or '-')")
    if not isinstance(name, str) or not isinstance(secret_hash, str) or not _SECRET_HASH.fullmatch(secret_hash):
        raise DataError(f"{path}: API key {shown} has no name or no SHA-256 hash of its secret")
    scope_list = tuple(scopes.split(",")) if isinstance(scopes, str) else ()
    if not scope_list or any(scope not in SCOPES for scope in scope_list):
        raise DataError(f"{path}: API key {shown} has scopes {repr(scopes)[:100]} (expected some of "
                        f"{', '.join(SCOPES)})")
    for label, at in (("created_at", created_at), ("revoked_at", revoked_at)):
        if not (at is None and label == "revoked_at") and not _is_timestamp(at):
            raise DataError(f"{path}: API key {shown} has {label} {repr(at)[:60]} (expected an ISO 8601 time)")
    return HashedKey(ApiKey(key_id, name, scope_list, str(created_at), None if revoked_at is None else str(revoked_at)),
                     secret_hash)


def _is_timestamp(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


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

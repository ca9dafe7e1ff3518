"""API keys: hashed storage, scopes, revocation, and a key file imported into another key table."""

from __future__ import annotations

import hashlib
import re
import sqlite3

import pytest

from geo_industry.errors import DataError, InvalidParameter, NotAuthenticated, PermissionDenied
from geo_industry.keys import ApiKey, ApiKeys, HashedKey, read_key_file, require_scope


@pytest.fixture
def keys(tmp_path) -> ApiKeys:
    """An empty key table."""
    return ApiKeys(tmp_path / "store.sqlite")


def test_a_token_authenticates_and_only_its_hash_is_stored(keys):
    record, token = keys.create("planner", ["stats:write"])
    assert keys.authenticate(token).id == record.id
    assert token.split("_", 2)[2].encode() not in keys.path.read_bytes()


def test_scopes_are_enforced(keys):
    _, token = keys.create("planner", ["stats:write"])
    key = keys.authenticate(token)
    require_scope(key, "stats:write")
    with pytest.raises(PermissionDenied, match="features:write"):
        require_scope(key, "features:write")


@pytest.mark.parametrize("token", [None, "", "Bearer x", "gi_nope_nope", "gi_a_b_c"])
def test_missing_or_wrong_tokens(keys, token):
    keys.create("planner", ["stats:write"])
    with pytest.raises(NotAuthenticated):
        keys.authenticate(token)


def test_a_wrong_secret_for_a_real_key(keys):
    record, token = keys.create("planner", ["stats:write"])
    with pytest.raises(NotAuthenticated, match="unknown or wrong"):
        keys.authenticate(f"gi_{record.id}_{'x' * 43}")


def test_revocation(keys):
    record, token = keys.create("planner", ["layers:write"])
    keys.revoke(record.id)
    with pytest.raises(NotAuthenticated, match="revoked"):
        keys.authenticate(token)
    assert not keys.list()[0].active


def test_unknown_scope(keys):
    with pytest.raises(InvalidParameter, match="scopes"):
        keys.create("planner", ["admin"])


def test_a_key_file_is_read_with_its_hashes_and_left_as_it_was(keys):
    record, token = keys.create("planner", ["stats:write"])
    revoked, _ = keys.create("former", ["features:write"])
    keys.revoke(revoked.id)
    before = keys.path.read_bytes()
    read = {hashed.key.id: hashed for hashed in read_key_file(keys.path)}
    assert keys.path.read_bytes() == before
    assert read[record.id].key == record and read[revoked.id].key.revoked_at is not None
    assert read[record.id].secret_hash == hashlib.sha256(token.split("_", 2)[2].encode()).hexdigest()


def test_a_missing_or_corrupt_key_file_is_refused_naming_it(tmp_path):
    missing = tmp_path / "absent.sqlite"
    with pytest.raises(DataError, match=f"{re.escape(str(missing))}: no such key file"):
        read_key_file(missing)
    assert not missing.exists()  # not created by reading it
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all " * 200)
    with pytest.raises(DataError, match=f"{re.escape(str(garbage))}: not a readable SQLite key file"):
        read_key_file(garbage)


@pytest.mark.parametrize(("column", "value", "message"), [
    ("hash", "secret-in-clear", "no SHA-256 hash"),
    ("scopes", "features:write,everything", "scopes"),
    ("created_at", "yesterday", "created_at"),
    ("id", "a_b", "malformed API key id"),
])
def test_a_malformed_key_in_the_file_is_refused_naming_file_and_field(keys, column, value, message):
    keys.create("planner", ["stats:write"])
    with sqlite3.connect(keys.path) as con:
        con.execute(f"UPDATE api_keys SET {column} = ?", (value,))
    with pytest.raises(DataError, match=f"{re.escape(str(keys.path))}: .*{message}"):
        read_key_file(keys.path)


def test_a_file_without_keys_holds_none(tmp_path):
    empty = tmp_path / "store.sqlite"
    sqlite3.connect(empty).execute("CREATE TABLE other (x)").connection.close()
    assert read_key_file(empty) == []


def test_importing_keys_keeps_them_hashed_revoked_and_is_idempotent(keys, tmp_path):
    record, token = keys.create("planner", ["stats:write"])
    revoked, revoked_token = keys.create("former", ["features:write"])
    keys.revoke(revoked.id)
    target = ApiKeys(tmp_path / "other.sqlite")
    done = target.import_keys(read_key_file(keys.path))
    assert sorted(done.imported) == sorted([record.id, revoked.id]) and not done.present
    assert target.authenticate(token) == record
    with pytest.raises(NotAuthenticated, match="revoked"):
        target.authenticate(revoked_token)
    again = target.import_keys(read_key_file(keys.path))
    assert not again.imported and sorted(again.present) == sorted([record.id, revoked.id])
    assert target.list() == keys.list()


def test_an_imported_revocation_applies_and_another_key_under_the_same_id_is_not_replaced(keys, tmp_path):
    record, token = keys.create("planner", ["stats:write"])
    target = ApiKeys(tmp_path / "other.sqlite")
    target.import_keys(read_key_file(keys.path))
    keys.revoke(record.id)
    assert target.import_keys(read_key_file(keys.path)).present == [record.id]
    with pytest.raises(NotAuthenticated, match="revoked"):
        target.authenticate(token)
    impostor = HashedKey(ApiKey(record.id, "impostor", ("layers:write",), record.created_at, None), "0" * 64)
    assert target.import_keys([impostor]).conflicting == [record.id]
    assert target.list()[0].name == "planner"

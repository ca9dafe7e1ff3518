"""API keys: hashed storage, scopes, revocation."""

from __future__ import annotations

import pytest

from geo_industry.errors import InvalidParameter, NotAuthenticated, PermissionDenied
from geo_industry.keys import ApiKeys, require_scope


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

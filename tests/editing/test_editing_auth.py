"""Auth rules: reads are public; every write needs a bearer token with its scope; secrets stay secret."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from tests.editing.conftest import (
    GATE_URL,
    MERGE_PATCH,
    READ_ORIGIN,
    STAT_ROW,
    WRITE_ORIGIN,
    add_gate,
    bearer,
    etag_of,
    new_gate,
    unique_id,
)

#: one request per write operation: (scope it needs, method, url, keyword arguments)
ITEM = "/collections/border_gates/items/{fid}"
WRITES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("features:write", "POST", "/collections/border_gates/items", {"json": new_gate("{fid}")}),
    ("features:write", "PUT", ITEM, {"json": new_gate("{fid}")}),
    ("features:write", "PATCH", ITEM, {"content": b'{"properties": {"status_note": "x"}}', "headers": MERGE_PATCH}),
    ("features:write", "DELETE", ITEM, {}),
    ("stats:write", "POST", "/collections/statistics/items", {"json": [STAT_ROW]}),
    ("layers:write", "POST", "/collections", {"files": {"file": ("x.geojson", b"{}")}, "data": {"metadata": "{}"}}),
]
WRITE_IDS = ["create", "replace", "update", "delete", "statistics", "upload"]


def _send(client, method, url, kwargs, headers, fid="lao-cai-intl-road-gate"):
    kwargs = dict(kwargs)
    kwargs["headers"] = {**kwargs.get("headers", {}), **headers}
    if "json" in kwargs and isinstance(kwargs["json"], dict):
        kwargs["json"] = new_gate(fid)
    return client.request(method, url.format(fid=fid), **kwargs)


@pytest.mark.parametrize(("scope", "method", "url", "kwargs"), WRITES, ids=WRITE_IDS)
def test_a_write_without_a_token_is_401_with_a_bearer_challenge(client, scope, method, url, kwargs):
    response = _send(client, method, url, kwargs, {})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "NotAuthenticated"
    assert scope in response.json()["description"]


@pytest.mark.parametrize(
    ("header", "message"),
    [("Basic dXNlcjpwYXNz", "must be 'Bearer <token>'"), ("Bearer not-a-key", "not a geo-industry API key"),
     ("Bearer gi_000000000000_wrongsecret", "unknown or wrong")],
    ids=["basic-scheme", "not-a-key", "unknown-key"],
)
def test_malformed_or_unknown_tokens_are_401(client, tokens, header, message):
    response = client.post("/collections/statistics/items", json=[STAT_ROW], headers={"Authorization": header})
    assert response.status_code == 401
    assert message in response.json()["description"]
    assert "WWW-Authenticate" in response.headers


def test_a_wrong_secret_for_a_real_key_is_401(client, tokens):
    key_id = tokens["all"].split("_")[1]
    response = client.post("/collections/statistics/items", json=[STAT_ROW],
                           headers=bearer(f"gi_{key_id}_{'x' * 43}"))
    assert response.status_code == 401


def test_a_revoked_key_is_401(client, tokens):
    response = client.post("/collections/statistics/items", json=[STAT_ROW], headers=bearer(tokens["revoked"]))
    assert response.status_code == 401
    assert "revoked" in response.json()["description"]


@pytest.mark.parametrize(("scope", "method", "url", "kwargs"), WRITES, ids=WRITE_IDS)
def test_a_key_without_the_scope_is_403(client, tokens, scope, method, url, kwargs):
    other = next(s for s in ("features:write", "stats:write", "layers:write") if s != scope)
    response = _send(client, method, url, kwargs, bearer(tokens[other]))
    assert response.status_code == 403
    assert response.json()["code"] == "PermissionDenied"
    assert f"lacks the scope '{scope}'" in response.json()["description"]
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


@pytest.mark.parametrize(("scope", "method", "url", "kwargs"), WRITES, ids=WRITE_IDS)
def test_a_key_with_the_scope_gets_past_auth(client, store, tokens, scope, method, url, kwargs):
    headers = bearer(tokens[scope])
    fid = unique_id() if method == "POST" else add_gate(store)
    if method in ("PUT", "PATCH", "DELETE"):
        headers["If-Match"] = etag_of(client, url.format(fid=fid))
    response = _send(client, method, url, kwargs, headers, fid)
    assert response.status_code not in (401, 403), response.text


@pytest.mark.parametrize("url", ["/collections", "/collections/border_gates/items", GATE_URL,
                                 f"{GATE_URL}/history", "/collections/statistics/items", "/conformance"])
def test_reads_need_no_token(client, url):
    assert client.get(url).status_code == 200


def test_the_actor_is_the_key_name_and_id_never_the_secret(client, tokens, store):
    fid = add_gate(store)
    url = f"/collections/border_gates/items/{fid}"
    client.patch(url, content=b'{"properties": {"status_note": "checked"}}',
                 headers={**MERGE_PATCH, **bearer(tokens["features:write"]), "If-Match": etag_of(client, url)})
    entry = store.history(feature_id=fid)[0]
    key_id, secret = tokens["features:write"].split("_", 2)[1:]
    assert entry.actor == f"planner-features (key {key_id})"
    assert secret not in str(entry)


def test_tokens_appear_in_no_log_line(client, tokens, caplog):
    secret = tokens["all"].split("_", 2)[2]
    with caplog.at_level(logging.DEBUG):
        client.post("/collections/statistics/items", json=[STAT_ROW], headers=bearer(tokens["all"]))
        client.post("/collections/statistics/items", json=[STAT_ROW], headers=bearer(tokens["all"] + "x"))
        client.post("/collections/statistics/items", json=[STAT_ROW], headers=bearer(tokens["revoked"]))
    assert secret not in caplog.text
    assert tokens["revoked"].split("_", 2)[2] not in caplog.text


def test_tokens_in_the_query_string_are_refused(client, tokens):
    response = client.post("/collections/statistics/items", params={"access_token": tokens["all"]}, json=[STAT_ROW])
    assert response.status_code in (400, 401)


# CORS ---------------------------------------------------------------------------------------------
def _preflight(client, origin, method):
    return client.options("/collections/statistics/items", headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type"})


def test_write_preflight_from_a_write_origin_is_allowed(client):
    response = _preflight(client, WRITE_ORIGIN, "POST")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == WRITE_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


@pytest.mark.parametrize("origin", [READ_ORIGIN, "https://evil.example.com"])
def test_write_preflight_from_other_origins_is_refused(client, origin):
    response = _preflight(client, origin, "POST")
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_reads_keep_their_own_cors_policy(client):
    response = client.get("/collections", headers={"Origin": READ_ORIGIN})
    assert response.headers["access-control-allow-origin"] == READ_ORIGIN
    assert client.get("/collections", headers={"Origin": WRITE_ORIGIN}).headers.get(
        "access-control-allow-origin") is None


def test_a_write_from_the_write_origin_exposes_etag_and_location(client, tokens):
    response = client.post("/collections/border_gates/items", json=new_gate(unique_id()),
                           headers={"Origin": WRITE_ORIGIN, **bearer(tokens["features:write"])})
    assert response.status_code == 201
    assert response.headers["access-control-allow-origin"] == WRITE_ORIGIN
    assert "Location" in response.headers["access-control-expose-headers"]


def test_a_write_from_a_read_origin_gets_no_cors_grant(client, tokens):
    response = client.post("/collections/border_gates/items", json=new_gate(unique_id()),
                           headers={"Origin": READ_ORIGIN, **bearer(tokens["features:write"])})
    assert "access-control-allow-origin" not in response.headers

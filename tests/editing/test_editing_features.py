"""OGC API - Features Part 4 through the real app: create, replace, update, delete, ETag/If-Match, history."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.conftest import DATA_DIR
from tests.editing.conftest import MERGE_PATCH, add_gate, bearer, etag_of, new_gate, unique_id

from geo_industry.api import create_app
from geo_industry.api.routes.transactions import CONFORMS_TO
from geo_industry.settings import Settings

BOWTIE = {"type": "Polygon", "coordinates": [[[104.1, 22.2], [104.2, 22.3], [104.2, 22.2], [104.1, 22.3],
                                              [104.1, 22.2]]]}


def _url(fid: str, layer: str = "border_gates") -> str:
    return f"/collections/{layer}/items/{fid}"


@pytest.fixture(scope="module")
def writer(tokens):
    """Headers of a key with features:write."""
    return bearer(tokens["features:write"])


def test_part4_is_declared_when_editing_is_on(client):
    assert set(CONFORMS_TO) <= set(client.get("/conformance").json()["conformsTo"])


def test_part4_is_absent_and_writes_are_405_when_editing_is_off():
    settings = Settings(data_dir=DATA_DIR, _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        assert not set(CONFORMS_TO) & set(client.get("/conformance").json()["conformsTo"])
        assert client.post("/collections/border_gates/items", json=new_gate()).status_code == 405
        assert client.put(_url("lao-cai-intl-road-gate"), json=new_gate()).status_code == 405
        assert client.delete(_url("lao-cai-intl-road-gate")).status_code == 405
        assert client.post("/collections/statistics/items", json=[]).status_code == 405
        assert client.post("/collections").status_code == 405
        assert client.get(f"{_url('lao-cai-intl-road-gate')}/history").status_code == 404
        assert not any("/history" in path for path in client.app.openapi()["paths"])


def test_create_then_read_with_location_and_etag(client, store, writer):
    fid = unique_id()
    response = client.post("/collections/border_gates/items", json=new_gate(fid), headers=writer)
    assert response.status_code == 201
    assert response.headers["location"].endswith(_url(fid))
    assert response.json() == {"created": [fid]}
    read = client.get(_url(fid))
    assert read.json()["properties"]["id"] == fid
    assert read.headers["etag"] == store.feature_etag("border_gates", fid)


def test_create_a_feature_collection_is_all_or_nothing(client, store, writer):
    good, bad = new_gate(unique_id()), new_gate(unique_id(), {"type": "Point", "coordinates": [22.5, 103.9]})
    response = client.post("/collections/border_gates/items", headers=writer,
                           json={"type": "FeatureCollection", "features": [good, bad]})
    assert response.status_code == 422
    assert "outside Lào Cai" in response.json()["description"]
    assert client.get(_url(good["id"])).status_code == 404
    both = {"type": "FeatureCollection", "features": [good, new_gate(unique_id())]}
    assert client.post("/collections/border_gates/items", json=both, headers=writer).status_code == 201
    assert client.get(_url(good["id"])).status_code == 200


def test_create_with_a_taken_id_is_409(client, writer):
    response = client.post("/collections/border_gates/items", json=new_gate("lao-cai-intl-road-gate"),
                           headers=writer)
    assert response.status_code == 409


def test_create_in_an_unknown_collection_is_404(client, writer):
    assert client.post("/collections/nowhere/items", json=new_gate(unique_id()), headers=writer).status_code == 404


def test_replace_with_if_match(client, store, writer):
    fid = add_gate(store)
    feature = new_gate(fid)
    feature["properties"]["status_note"] = "replaced whole"
    response = client.put(_url(fid), json=feature, headers={**writer, "If-Match": etag_of(client, _url(fid))})
    assert response.status_code == 204
    assert response.headers["etag"] == etag_of(client, _url(fid))
    assert client.get(_url(fid)).json()["properties"]["status_note"] == "replaced whole"


def test_update_with_a_merge_patch(client, store, writer):
    fid = add_gate(store)
    patch = b'{"properties": {"status_note": "patched", "operator": null}}'
    response = client.patch(_url(fid), content=patch, headers={**writer, **MERGE_PATCH,
                                                                "If-Match": etag_of(client, _url(fid))})
    assert response.status_code == 204
    properties = client.get(_url(fid)).json()["properties"]
    assert properties["status_note"] == "patched"
    assert properties.get("operator") is None


def test_delete_with_if_match(client, store, writer):
    fid = add_gate(store)
    response = client.delete(_url(fid), headers={**writer, "If-Match": etag_of(client, _url(fid))})
    assert response.status_code == 204
    assert client.get(_url(fid)).status_code == 404


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_a_versioned_write_without_if_match_is_428_and_changes_nothing(client, store, writer, method):
    fid = add_gate(store)
    before = etag_of(client, _url(fid))
    kwargs = {"PUT": {"json": new_gate(fid)}, "PATCH": {"content": b'{"properties": {"status_note": "x"}}',
                                                       "headers": {**writer, **MERGE_PATCH}}, "DELETE": {}}[method]
    kwargs.setdefault("headers", writer)
    response = client.request(method, _url(fid), **kwargs)
    assert response.status_code == 428
    assert "If-Match" in response.json()["description"]
    assert etag_of(client, _url(fid)) == before


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_a_stale_if_match_is_412_and_changes_nothing(client, store, writer, method):
    fid = add_gate(store)
    stale = etag_of(client, _url(fid))
    store.update_feature("border_gates", fid, {"properties": {"status_note": "someone else"}}, actor="other")
    current = etag_of(client, _url(fid))
    kwargs = {"PUT": {"json": new_gate(fid)},
              "PATCH": {"content": b'{"properties": {"status_note": "mine"}}', "headers": MERGE_PATCH},
              "DELETE": {}}[method]
    headers = {**writer, **kwargs.pop("headers", {}), "If-Match": stale}
    response = client.request(method, _url(fid), headers=headers, **kwargs)
    assert response.status_code == 412
    assert etag_of(client, _url(fid)) == current
    assert client.get(_url(fid)).json()["properties"]["status_note"] == "someone else"


def test_a_statistics_write_changes_that_features_etag_only(client, tokens):
    url = _url("tang-loong-copper-smelter", "processing_plants")
    before, gate = etag_of(client, url), etag_of(client)
    row = {"indicator": "copper_cathode_output", "entity": "tang-loong-copper-smelter", "year": "2031",
           "period": "FY", "value": "1", "unit": "t", "basis": "target", "price_basis": "n/a",
           "source": "https://example.org/plan"}
    assert client.post("/collections/statistics/items", json=[row], headers=bearer(tokens["stats:write"])).is_success
    after = client.get(url)
    assert after.headers["etag"] != before
    assert any(s.get("year") == 2031 for s in after.json()["statistics"])
    assert etag_of(client) == gate


def test_the_etag_of_other_crs_is_not_the_feature_etag(client, store):
    fid = add_gate(store)
    other = client.get(_url(fid), params={"crs": "http://www.opengis.net/def/crs/EPSG/0/3857"})
    assert other.headers["etag"] != store.feature_etag("border_gates", fid)


def test_an_invalid_geometry_is_422_with_the_reason_or_repaired_when_asked(client, store, writer):
    zone = store.frame("zone_outlines")["id"][0]
    url = _url(zone, "zone_outlines")
    patch = b'{"geometry": ' + str(BOWTIE).replace("'", '"').encode() + b"}"
    headers = {**writer, **MERGE_PATCH}
    refused = client.patch(url, content=patch, headers={**headers, "If-Match": etag_of(client, url)})
    assert refused.status_code == 422
    assert "Self-intersection" in refused.json()["description"]
    repaired = client.patch(url, content=patch, params={"repair": "true"},
                            headers={**headers, "If-Match": etag_of(client, url)})
    assert repaired.status_code == 204
    assert store.get("zone_outlines", zone).iloc[0].geometry.is_valid


@pytest.mark.parametrize(
    ("body", "message"),
    [({"type": "Feature", "properties": {"id": "x", "colour": "red"}, "geometry": None}, "unknown properties"),
     ({"type": "Feature", "id": "../etc/passwd", "properties": {}, "geometry": None}, "ascii"),
     ({"type": "Point", "coordinates": [104, 22]}, "GeoJSON Feature"),
     ([1, 2, 3], "GeoJSON Feature")],
    ids=["unknown-field", "unsafe-id", "not-a-feature", "not-an-object"],
)
def test_bad_features_are_422_with_a_reason(client, writer, body, message):
    response = client.post("/collections/border_gates/items", json=body, headers=writer)
    assert response.status_code == 422
    assert message in response.json()["description"]


def test_the_history_of_a_feature(client, store, writer):
    fid = unique_id()
    client.post("/collections/border_gates/items", json=new_gate(fid), headers=writer)
    client.patch(_url(fid), content=b'{"properties": {"status_note": "v2"}}',
                 headers={**writer, **MERGE_PATCH, "If-Match": etag_of(client, _url(fid))})
    client.delete(_url(fid), headers={**writer, "If-Match": etag_of(client, _url(fid))})
    history = client.get(f"{_url(fid)}/history")
    assert history.status_code == 200
    entries = history.json()["entries"]
    assert [e["action"] for e in entries] == ["delete", "update", "create"]
    assert all(e["actor"].startswith("planner-features (key ") for e in entries)
    assert entries[1]["after"]["properties"]["status_note"] == "v2"
    assert entries[1]["before"]["properties"].get("status_note") != "v2"
    assert entries[0]["after"] is None


def test_the_history_of_an_unknown_feature_is_404(client):
    assert client.get(f"{_url('no-such-gate')}/history").status_code == 404


def test_the_history_includes_statistics_rows(client, tokens):
    row = {"indicator": "copper_cathode_output", "entity": "tang-loong-copper-smelter", "year": "2032",
           "period": "FY", "value": "1", "unit": "t", "basis": "target", "price_basis": "n/a",
           "source": "https://example.org/plan"}
    client.post("/collections/statistics/items", json=[row], headers=bearer(tokens["stats:write"]))
    entries = client.get(f"{_url('tang-loong-copper-smelter', 'processing_plants')}/history").json()["entries"]
    assert entries[0]["action"] == "statistics.add"
    assert entries[0]["after"]["year"] == "2032"


def test_writes_show_in_the_items_pages_at_once(client, writer):
    fid = unique_id()
    before = client.get("/collections/border_gates/items").json()["numberMatched"]
    client.post("/collections/border_gates/items", json=new_gate(fid), headers=writer)
    page = client.get("/collections/border_gates/items", params={"limit": 1000}).json()
    assert page["numberMatched"] == before + 1
    assert fid in {f["id"] for f in page["features"]}

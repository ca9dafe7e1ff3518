"""Analysis routes through the real app with the DEM: zone assessments, rankings, value chain.

Distances are checked against pyproj geodesic distances; rankings against their own scores.
"""

from __future__ import annotations

import csv
import io

import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Geod

from geo_industry.api.raster_documents import GeoJSONCollection
from geo_industry.api.state import state_of
from geo_industry.raster.profiles import PROFILES
from geo_industry.raster.properties import ZONE_LAYERS

_GEOD = Geod(ellps="WGS84")


def test_every_zone_and_cluster_is_assessed(dem_client: TestClient) -> None:
    store = state_of(dem_client.app).opened()
    body = GeoJSONCollection.model_validate(dem_client.get("/analysis/zones").json())
    expected = {str(i) for layer in ("industrial_zones", "industrial_clusters") for i in store.frame(layer)["id"]}
    assert {f["id"] for f in body.features} == expected
    first = body.features[0]["properties"]
    assert {"dist_border_gate_km", "dist_border_gate_uncertainty_km", "nearest_border_gate", "mean_slope_deg",
            "suitability_score", "placeholder_inputs", "contributions"} <= set(first)


def _outlined(store: object) -> set[str]:
    """Ids of zones and clusters with a surveyed outline (measured from the outline, not the point)."""
    return {str(i) for i in store.frame("zone_outlines")["site_id"]}  # type: ignore[attr-defined]


def test_distances_agree_with_geodesic_distances(dem_client: TestClient) -> None:
    """A measured distance from a point zone to a point target is pyproj's geodesic distance (0.1 km);
    a surveyed zone's, measured from its outline (zone_outlines), is no longer than from its point."""
    store = state_of(dem_client.app).opened()
    points = {"border_gate": "border_gates", "hydropower": "hydropower_plants", "copper_mine": "mines",
              "apatite_mine": "mines"}
    outlined = _outlined(store)
    checked = {"point": 0, "outline": 0}
    for feature in dem_client.get("/analysis/zones").json()["features"]:
        props, geometry = feature["properties"], feature["geometry"]
        if geometry is None:
            continue
        assert geometry["type"] == "Point"  # one geometry type: outlines are in zone_outlines
        for criterion, layer in points.items():
            if props[f"dist_{criterion}_status"] != "measured":
                continue
            target = store.frame(layer).set_index("id").geometry[props[f"nearest_{criterion}"]]
            lon, lat = geometry["coordinates"][:2]
            _, _, metres = _GEOD.inv(lon, lat, target.x, target.y)
            if feature["id"] in outlined:
                assert props[f"dist_{criterion}_km"] <= metres / 1000 + 0.051
                checked["outline"] += 1
            else:
                assert props[f"dist_{criterion}_km"] == pytest.approx(metres / 1000, abs=0.051)
                checked["point"] += 1
    assert min(checked.values()) >= 1


def test_score_is_the_sum_of_contributions(dem_client: TestClient) -> None:
    for feature in dem_client.get("/analysis/zones").json()["features"]:
        props = feature["properties"]
        if props["suitability_score"] is not None:
            total = sum(c["contribution"] for c in props["contributions"])
            assert props["suitability_score"] == pytest.approx(total, abs=0.051)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_rankings_per_profile_are_ordered_and_explained(dem_client: TestClient, profile: str) -> None:
    body = dem_client.get("/analysis/rankings", params={"profile": profile}).json()
    assert body["profile"] == profile and body["weights"]
    ranked = [f["properties"] for f in body["features"]]
    assert [p["rank"] for p in ranked] == list(range(1, len(ranked) + 1))
    scores = [p["score"] for p in ranked if p["score"] is not None and not p["excluded_by"]]
    assert scores == sorted(scores, reverse=True)
    assert ranked[0]["explanation"].startswith("score ")


def test_custom_weights(dem_client: TestClient) -> None:
    body = dem_client.get("/analysis/rankings", params={"weights": "border_gate:3,slope:1"}).json()
    assert body["profile"] == "custom" and body["weights"] == {"border_gate": 0.75, "slope": 0.25}
    ranked = [f["properties"] for f in body["features"]]
    assert all({c["criterion"] for c in p["contributions"]} <= {"border_gate", "slope"} for p in ranked)
    top_with_slope = next(p for p in ranked if p["score"] is not None and "slope" not in p["missing"])
    assert {c["criterion"] for c in top_with_slope["contributions"]} == {"border_gate", "slope"}


def test_weights_change_the_order(dem_client: TestClient) -> None:
    def order(weights: str) -> list[str]:
        return [f["id"] for f in dem_client.get("/analysis/rankings", params={"weights": weights}).json()["features"]]

    assert order("border_gate:1") != order("apatite_mine:1")


@pytest.mark.parametrize("params", [
    {"weights": "border_gate:0.4,airport:0.6"},
    {"weights": "border_gate:-1"},
    {"weights": "border_gate"},
    {"weights": "border_gate:0,slope:0"},
    {"profile": "steelmaker"},
    {"profile": "balanced", "weights": "slope:1"},
    {"ranking": "balanced"},
    {"weights": "expressway:1"},
])
def test_bad_ranking_parameters_are_400(dem_client: TestClient, params: dict[str, str]) -> None:
    response = dem_client.get("/analysis/rankings", params=params)
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidParameterValue"


def test_profiles(dem_client: TestClient) -> None:
    assert [p["id"] for p in dem_client.get("/analysis/profiles").json()] == list(PROFILES)


def test_value_chain_links_mines_to_plants(dem_client: TestClient) -> None:
    store = state_of(dem_client.app).opened()
    body = GeoJSONCollection.model_validate(dem_client.get("/analysis/value-chain").json())
    assert body.features
    mines, plants = set(store.frame("mines")["id"]), set(store.frame("processing_plants")["id"])
    for feature in body.features:
        props = feature["properties"]
        assert props["mine_id"] in mines and props["plant_id"] in plants
        if feature["geometry"] is not None:
            line = shapely.geometry.shape(feature["geometry"])
            (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
            _, _, metres = _GEOD.inv(x0, y0, x1, y1)
            assert metres / 1000 == pytest.approx(props["distance_km"], rel=0.01, abs=0.05)
        for use in props["mine_utilisation"] + props["plant_utilisation"]:
            assert use["utilisation"] == pytest.approx(use["output"] / use["capacity"], rel=1e-3)


def test_zone_feature_carries_its_analysis(dem_client: TestClient) -> None:
    zones = dem_client.get("/analysis/zones").json()["features"]
    zone = next(f for f in zones if f["properties"]["layer"] == "industrial_zones")
    feature = dem_client.get(f"/collections/industrial_zones/items/{zone['id']}").json()
    assert feature["analysis"]["zone_id"] == zone["id"]
    score = zone["properties"]["suitability_score"]
    assert feature["analysis"]["suitability"]["score"] == pytest.approx(score, abs=0.051)


def test_other_features_have_no_analysis(dem_client: TestClient) -> None:
    mine = dem_client.get("/collections/mines/items", params={"limit": 1}).json()["features"][0]
    assert "analysis" not in dem_client.get(f"/collections/mines/items/{mine['id']}").json()


def test_analysis_works_without_a_dem(client: TestClient) -> None:
    props = client.get("/analysis/zones").json()["features"][0]["properties"]
    assert props["mean_slope_deg"] is None and "slope" in props["missing"]
    assert client.get("/analysis/rankings", params={"profile": "agro_processing"}).status_code == 200


def test_weights_without_a_usable_criterion_name_the_reason(client: TestClient) -> None:
    """`weights=expressway:1` has no located expressway: 400 that says why, not 55 null scores."""
    response = client.get("/analysis/rankings", params={"weights": "expressway:1"})
    assert response.status_code == 400
    assert "expressway" in response.json()["description"] and "weights" in response.json()["description"]


def test_expressway_is_explained_once(client: TestClient) -> None:
    """The expressway has no geometry: the ranking says so once, not in every zone's explanation."""
    body = client.get("/analysis/rankings", params={"profile": "agro_processing"}).json()
    assert any(note.startswith("nearest expressway: left out for every zone") for note in body["notes"])
    assert not any("expressway" in f["properties"]["explanation"] for f in body["features"])


@pytest.mark.parametrize("profile", list(PROFILES))
def test_placeholder_inputs_are_named_in_every_ranking(client: TestClient, profile: str) -> None:
    """A weighted criterion a district-seat placeholder could decide is listed and named per zone."""
    body = client.get("/analysis/rankings", params={"profile": profile}).json()
    named = 0
    for feature in body["features"]:
        props = feature["properties"]
        for criterion in props["placeholder_inputs"]:
            assert criterion == "zone_location" or body["weights"].get(criterion, 0) > 0
            assert "district-seat placeholder" in props["explanation"]
            named += 1
    assert named > 0


@pytest.mark.parametrize("layer", ["industrial_zones", "industrial_clusters"])
def test_analysis_properties_in_every_format(client: TestClient, layer: str, tmp_path) -> None:
    """The flat dist_* / suitability_score / placeholder_inputs properties reach HTML, CSV and GeoPackage, typed."""
    names = ["dist_border_gate_km", "dist_railway_uncertainty_km", "suitability_score", "placeholder_inputs"]
    feature = client.get(f"/collections/{layer}/items", params={"limit": 1}).json()["features"][0]
    assert set(names) <= set(feature["properties"])
    html = client.get(f"/collections/{layer}/items/{feature['id']}", params={"f": "html"}).text
    assert all(name in html for name in names)
    header = client.get(f"/collections/{layer}/download", params={"f": "csv"}).text.splitlines()[0].split(",")
    assert set(names) <= set(header)
    gpkg = tmp_path / f"{layer}.gpkg"
    gpkg.write_bytes(client.get(f"/collections/{layer}/download", params={"f": "gpkg"}).content)
    info = pyogrio.read_info(gpkg)
    dtypes = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert [dtypes[n] for n in names] == ["float64", "float64", "float64", "object"]


def test_surveyed_zone_slope_is_read_over_its_outline(dem_client: TestClient) -> None:
    """Mean slope over the surveyed outline; a district-seat placeholder gets none, said so."""
    features = {f["id"]: f["properties"] for f in dem_client.get("/analysis/zones").json()["features"]}
    assert features["tang-loong-iz"]["notes"] == ["slope over the surveyed outline"]
    seat = features["kim-thanh-trade-zone"]
    assert seat["mean_slope_deg"] is None and "placeholder" in seat["missing"]["slope"]


def _zone_properties(client: TestClient, **params: str) -> dict[str, dict]:
    """Id → properties of every zone and cluster feature, as the items lists serve them."""
    out: dict[str, dict] = {}
    for layer in ZONE_LAYERS:
        body = client.get(f"/collections/{layer}/items", params={"limit": "1000", **params}).json()
        out |= {f["id"]: f["properties"] for f in body["features"]}
    return out


def test_zone_properties_carry_the_rankings_slope_and_score(dem_client: TestClient) -> None:
    """With a DEM the flat properties are the raster service's: its mean slope, the ranking's score."""
    ranking = dem_client.get("/analysis/rankings", params={"profile": "balanced"}).json()["features"]
    assessed = {f["id"]: f["properties"] for f in dem_client.get("/analysis/zones").json()["features"]}
    served = _zone_properties(dem_client)
    assert {f["properties"]["zone_id"] for f in ranking} == set(served)
    for feature in ranking:
        zone_id, score = feature["properties"]["zone_id"], feature["properties"]["score"]
        props = served[zone_id]
        assert props["suitability_score"] == (None if score is None else pytest.approx(score, abs=0.051)), zone_id
        assert props["mean_slope_deg"] == assessed[zone_id]["mean_slope_deg"], zone_id
    assert any(p["mean_slope_deg"] is not None for p in served.values())
    zone_id = next(i for i, p in assessed.items() if p["mean_slope_deg"] is not None)
    layer = assessed[zone_id]["layer"]
    single = dem_client.get(f"/collections/{layer}/items/{zone_id}").json()["properties"]
    assert (single["mean_slope_deg"], single["suitability_score"]) == (
        served[zone_id]["mean_slope_deg"], served[zone_id]["suitability_score"])
    rows = list(csv.DictReader(io.StringIO(dem_client.get(f"/collections/{layer}/download",
                                                          params={"f": "csv"}).text)))
    row = next(r for r in rows if r["id"] == zone_id)
    assert float(row["mean_slope_deg"]) == pytest.approx(single["mean_slope_deg"])
    assert float(row["suitability_score"]) == pytest.approx(single["suitability_score"])


def test_filter_and_sortby_on_slope_and_score(dem_client: TestClient) -> None:
    """`mean_slope_deg < 15 AND suitability_score > 50` selects what the served properties say."""
    dem_client.get("/analysis/rankings")  # the raster build has assessed this revision
    served = _zone_properties(dem_client)
    expected = {i for i, p in served.items() if p["mean_slope_deg"] is not None and p["mean_slope_deg"] < 15
                and p["suitability_score"] is not None and p["suitability_score"] > 50}
    assert expected, "the filter selects no zone in the data"
    assert set(_zone_properties(dem_client, filter="mean_slope_deg < 15 AND suitability_score > 50")) == expected
    body = dem_client.get("/collections/industrial_zones/items",
                          params={"sortby": "-mean_slope_deg", "limit": "1000"}).json()
    slopes = [f["properties"]["mean_slope_deg"] for f in body["features"]]
    located = [s for s in slopes if s is not None]
    assert located == sorted(located, reverse=True) and slopes[: len(located)] == located


def test_schema_says_whether_slope_is_in_the_score(client: TestClient, dem_client: TestClient) -> None:
    """Without a DEM the score is documented as without slope; with one, as the rankings' score."""
    dem_client.get("/analysis/rankings")
    for test_client, says in ((client, "without slope"), (dem_client, "/analysis/rankings")):
        queryables = test_client.get("/collections/industrial_zones/queryables",
                                     headers={"Accept": "application/schema+json"}).json()["properties"]
        assert says in queryables["suitability_score"]["description"]
        schema = test_client.get("/collections/industrial_zones/schema",
                                 headers={"Accept": "application/schema+json"}).json()
        assert says in schema["properties"]["properties"]["properties"]["suitability_score"]["description"]
    no_dem = _zone_properties(client)
    assert all(p["mean_slope_deg"] is None for p in no_dem.values())

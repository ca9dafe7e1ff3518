"""Distances that carry their uncertainty: position rules, ranges, placeholders, unknown locations.

Small frames built here show one rule each; the real data (``data/`` through the store) checks
that no distance between two different sites is 0.0 km unless both are precisely located, and
that former Yên Bái zones measure the railway to the line.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from geo_industry.errors import InvalidParameter
from geo_industry.raster import assess_zones, rank_zones
from geo_industry.raster.distances import PRECISE_KM, district_reach_km, site_position, zone_distances
from geo_industry.raster.layers import target_layers
from geo_industry.raster.properties import zone_frame
from geo_industry.store import EmbeddedStore

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
HERE = Point(104.0, 22.4)


@pytest.mark.parametrize(("properties", "geometry", "uncertainty", "placeholder"), [
    ({"coord_precision": "source-exact"}, HERE, 0.0, False),
    ({"coord_precision": "estimated-2km", "coord_radius_km": 2.0}, HERE, 2.0, False),
    ({"coord_precision": "estimated-1km", "coord_radius_km": 1.0, "area_ha": 100.0}, HERE,
     1.0 + math.sqrt(1.0 / math.pi), False),
    ({"coord_precision": "source-derived", "geometry_quality": "surveyed"}, box(104, 22.4, 104.01, 22.41), 0.0,
     False),
    ({}, LineString([(104, 22.4), (104.1, 22.5)]), 0.0, False),
    ({"coord_precision": "proxy-district", "district": "TP Lào Cai"}, HERE, 2 * math.sqrt(223 / math.pi), True),
    ({"coord_precision": "proxy-district", "district": "Mường Khương"}, HERE, district_reach_km(None), True),
])
def test_site_position_rules(properties: dict, geometry: object, uncertainty: float, placeholder: bool) -> None:
    """Each coord_precision / geometry_quality gets the documented uncertainty (km)."""
    position = site_position(properties, geometry)
    assert position.uncertainty_km == pytest.approx(uncertainty, abs=1e-3)
    assert position.placeholder is placeholder


def _frame(rows: list[dict], geometries: list[object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=geometries, crs="EPSG:4326")


def test_two_estimated_sites_on_one_point_are_a_range_not_zero() -> None:
    """An estimated zone on an estimated gate's point: 0–4 km, never 0.0 km."""
    zones = _frame([{"id": "z", "coord_precision": "estimated-1km", "coord_radius_km": 1.0}], [HERE])
    gates = _frame([{"id": "g", "coord_precision": "estimated-3km", "coord_radius_km": 3.0}], [HERE])
    distance = zone_distances(zones=zones, targets={"border_gate": gates})["z"]["border_gate"]
    assert distance.status == "range" and (distance.lower_km, distance.upper_km) == (0.0, 4.0)
    assert distance.distance_km == 2.0 and distance.uncertainty_km == 2.0
    assert distance.text() == "0–4.0 km (positions uncertain)"


def test_precise_sites_that_touch_are_zero() -> None:
    """A surveyed outline crossed by a line is 0.0 km from it: both ends are exact."""
    zones = _frame([{"id": "z", "geometry_quality": "surveyed"}], [box(104.0, 22.4, 104.02, 22.42)])
    rail = _frame([{"id": "r", "kind": "railway"}], [LineString([(103.9, 22.41), (104.1, 22.41)])])
    distance = zone_distances(zones=zones, targets={"railway": rail})["z"]["railway"]
    assert (distance.status, distance.distance_km, distance.uncertainty_km) == ("measured", 0.0, 0.0)


def test_a_nearer_placeholder_makes_the_criterion_a_named_placeholder() -> None:
    """The nearest gate is a district seat: the distance is the range both gates allow, and the ranking names it."""
    zones = _frame([{"id": "z", "coord_precision": "source-exact", "name_en": "Z"}], [HERE])
    gates = _frame([{"id": "seat", "name_en": "Seat gate", "coord_precision": "proxy-district",
                     "district": "TP Lào Cai"},
                    {"id": "real", "name_en": "Real gate", "coord_precision": "source-exact"}],
                   [Point(104.01, 22.4), Point(104.3, 22.4)])
    assessment = assess_zones(zones=zones, targets={"border_gate": gates})[0]
    distance = assessment.distances["border_gate"]
    assert distance.status == "placeholder" and distance.lower_km == 0.0
    assert distance.upper_km == pytest.approx(1.0 + district_reach_km("TP Lào Cai"), abs=0.1)
    assert assessment.placeholder_inputs == ["border_gate"]
    ranking = rank_zones([assessment], profile={"border_gate": 1.0})
    assert ranking.zones[0].placeholder_inputs == ["border_gate"]
    assert "border gate position is a district-seat placeholder (Seat gate)" in ranking.zones[0].explanation
    contribution = ranking.zones[0].contributions[0]
    assert contribution.value == distance.upper_km  # scored at the far end, never at the seat


def test_a_far_placeholder_is_ignored() -> None:
    """A district seat farther than its district's reach beyond the located gate cannot be the nearest."""
    zones = _frame([{"id": "z", "coord_precision": "source-exact"}], [HERE])
    gates = _frame([{"id": "seat", "coord_precision": "proxy-district", "district": "TP Lào Cai"},
                    {"id": "real", "coord_precision": "source-exact"}],
                   [Point(105.5, 22.4), Point(104.05, 22.4)])
    distance = zone_distances(zones=zones, targets={"border_gate": gates})["z"]["border_gate"]
    assert distance.status == "measured" and distance.nearest == "real"


def test_a_zone_on_a_placeholder_lists_its_location() -> None:
    zones = _frame([{"id": "z", "coord_precision": "proxy-district", "district": "Bảo Thắng"}], [HERE])
    gates = _frame([{"id": "g", "coord_precision": "source-exact"}], [Point(104.5, 22.4)])
    assessment = assess_zones(zones=zones, targets={"border_gate": gates})[0]
    assert assessment.placeholder_inputs == ["zone_location"]
    assert assessment.distances["border_gate"].note == "zone position is a district-seat placeholder"


def test_unknown_location_is_not_none_nearby() -> None:
    zones = _frame([{"id": "z", "coord_precision": "none"}], [None])
    gates = _frame([{"id": "g"}], [HERE])
    assessment = assess_zones(zones=zones, targets={"border_gate": gates})[0]
    assert assessment.distances["border_gate"].status == "location unknown"
    assert assessment.suitability.score is None


def test_weights_with_no_usable_criterion_are_refused() -> None:
    zones = _frame([{"id": "z"}], [HERE])
    assessments = assess_zones(zones=zones, targets={"border_gate": _frame([{"id": "g"}], [HERE])})
    with pytest.raises(InvalidParameter, match="weights: no weighted criterion has data"):
        rank_zones(assessments, profile={"expressway": 1.0})


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return EmbeddedStore.from_directory(DATA_DIR)


def test_no_zero_distance_between_imprecise_sites(store: EmbeddedStore) -> None:
    """In the real data, a 0.0 km distance only joins two sites both located to better than 0.1 km."""
    for layer in ("industrial_zones", "industrial_clusters"):
        frame = store.frame(layer)
        for column in [c for c in frame.columns if c.startswith("dist_") and c.endswith("_km")
                       and not c.endswith("_uncertainty_km")]:
            zero = frame[frame[column] == 0.0]
            assert (zero[column.removesuffix("_km") + "_uncertainty_km"] < PRECISE_KM).all(), (layer, column)


def test_former_yen_bai_zones_measure_the_railway_line(store: EmbeddedStore) -> None:
    """Yên Bái zones get the railway from the Hà Nội–Lào Cai line, not 134 km to Lào Cai station."""
    zones = store.frame("industrial_zones")
    yen_bai = zones[(zones["former_province"] == "yen_bai") & zones.geometry.notna()]
    assert len(yen_bai) > 0
    lines = set(store.frame("transport_lines")["id"])
    layers = {lid: store.frame(lid) for lid in ("industrial_zones", "transport", "transport_lines")}
    distances = zone_distances(zones=zone_frame({"industrial_zones": yen_bai}), targets=target_layers(layers))
    for zone_id in yen_bai["id"]:
        railway = distances[zone_id]["railway"]
        assert railway.nearest in lines and railway.upper_km is not None and railway.upper_km < 40
    assert yen_bai["dist_railway_km"].max() < 40


def test_a_layer_joins_the_targets_of_its_kind() -> None:
    """An uploaded layer the catalog calls ``border_gates`` is measured to; one of no known kind is not."""
    gates = gpd.GeoDataFrame({"id": ["g1"]}, geometry=[Point(103.96, 22.50)], crs="EPSG:4326")
    uploaded = gpd.GeoDataFrame({"id": ["u1"]}, geometry=[Point(104.10, 22.30)], crs="EPSG:4326")
    layers = {"border_gates": gates, "new_gates": uploaded, "sites": uploaded}
    targets = target_layers(layers, kinds={"new_gates": "border_gates", "sites": "sites"})
    assert targets["border_gate"]["layer"].tolist() == ["border_gates", "new_gates"]
    assert all("sites" not in frame["layer"].tolist() for frame in targets.values())
    assert target_layers(layers)["border_gate"]["layer"].tolist() == ["border_gates"]  # no kinds: ids only

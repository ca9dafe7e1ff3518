"""The GeoJSON encoder's fragment cache: reused fragments, and a bound on how many it keeps."""

import geopandas as gpd
import orjson
from shapely.geometry import Point

from geo_industry.geojson import FeatureEncoder


def _rows(ids: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": ids, "name": [f"site {i}" for i in ids],
                             "geometry": [Point(104.0 + n / 100, 22.0) for n, _ in enumerate(ids)]},
                            geometry="geometry", crs="EPSG:4326")


def test_pages_are_encoded_in_row_order_and_fragments_reused() -> None:
    encoder = FeatureEncoder()
    first = encoder.page("sites", _rows(["a", "b"]))
    again = encoder.page("sites", _rows(["b", "a"]))
    assert [orjson.loads(f)["id"] for f in again] == ["b", "a"]
    assert again[0] is first[1] and len(encoder) == 2


def test_the_cache_keeps_at_most_max_fragments_dropping_the_oldest() -> None:
    encoder = FeatureEncoder(max_fragments=3)
    page = encoder.page("sites", _rows(["a", "b", "c", "d", "e"]))  # a page larger than the bound is whole
    assert [orjson.loads(f)["id"] for f in page] == ["a", "b", "c", "d", "e"]
    assert len(encoder) == 3
    encoder.page("sites", _rows(["f"]))
    assert len(encoder) == 3
    kept = encoder.page("sites", _rows(["e", "f"]))
    assert [orjson.loads(f)["properties"]["name"] for f in kept] == ["site e", "site f"]
    assert len(encoder) == 3

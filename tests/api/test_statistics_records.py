"""The `statistics` records collection: filters by indicator, entity, year (datetime and CQL2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio
import pytest
from fastapi.testclient import TestClient

from geo_industry.api.models import Feature, FeatureCollection
from geo_industry.api.state import state_of
from geo_industry.records import StatisticsRecords

ITEMS = "/collections/statistics/items"


def _records(client: TestClient) -> StatisticsRecords:
    return state_of(client.app).current().records


def _ids(client: TestClient, **params: Any) -> set[str]:
    response = client.get(ITEMS, params={"limit": 10_000, **params})
    assert response.status_code == 200, response.text
    body = FeatureCollection.model_validate(response.json())
    assert body.numberMatched == body.numberReturned
    return {str(f.id) for f in body.features}


def _where(client: TestClient, mask: Any) -> set[str]:
    frame = _records(client).frame
    values = mask(frame)
    return set(frame["id"][values.fillna(False).to_numpy(dtype=bool) if isinstance(values, pd.Series) else values])


def test_every_record_pages_without_geometry(client: TestClient) -> None:
    frame = _records(client).frame
    body = client.get(ITEMS, params={"limit": 10_000}).json()
    assert body["numberMatched"] == len(frame) > 0
    assert all(f["geometry"] is None for f in body["features"])


def test_records_include_stored_and_derived(client: TestClient, store) -> None:  # type: ignore[no-untyped-def]
    frame = _records(client).frame
    assert (~frame["derived"]).sum() == len(store.statistics)
    assert frame["derived"].sum() == len(store.derived_statistics)


def test_filter_by_indicator_and_entity_parameters(client: TestClient) -> None:
    frame = _records(client).frame
    indicator, entity = frame.iloc[0][["indicator", "entity"]]
    assert _ids(client, indicator=indicator, entity=entity) == _where(
        client, lambda f: (f["indicator"] == indicator) & (f["entity"] == entity))


def test_filter_by_year_with_datetime(client: TestClient) -> None:
    year = int(_records(client).frame["year"].dropna().median())
    assert _ids(client, datetime=f"{year}-01-01/{year}-12-31") == _where(client, lambda f: f["year"] == year)
    assert _ids(client, datetime=f"{year}-01-01/..") == _where(client, lambda f: f["year"] >= year)


def test_filter_with_cql2(client: TestClient) -> None:
    frame = _records(client).frame
    indicator = frame["indicator"].iloc[0]
    text = f"indicator = '{indicator}' AND year >= 2015 AND basis = 'actual' AND derived = false"
    assert _ids(client, filter=text) == _where(client, lambda f: (f["indicator"] == indicator) & (f["year"] >= 2015)
                                               & (f["basis"] == "actual") & ~f["derived"])


def test_sortby_value_descending(client: TestClient) -> None:
    body = client.get(ITEMS, params={"sortby": "-value", "limit": 20}).json()
    values = [f["properties"]["value"] for f in body["features"]]
    assert values == sorted(values, reverse=True)


def test_record_by_id(client: TestClient) -> None:
    record_id = _records(client).frame["id"].iloc[0]
    feature = Feature.model_validate(client.get(f"{ITEMS}/{record_id}").json())
    assert feature.id == record_id and feature.geometry is None


def test_record_ids_unique_and_url_safe(client: TestClient) -> None:
    ids = _records(client).frame["id"]
    assert ids.is_unique
    assert ids.str.fullmatch(r"[A-Za-z0-9._~-]+").all()


def test_spatial_filter_and_bbox_refused(client: TestClient) -> None:
    response = client.get(ITEMS, params={"filter": "S_INTERSECTS(geometry, POINT(104 22))"})
    assert response.status_code == 400
    assert "no geometry" in response.json()["description"]
    response = client.get(ITEMS, params={"bbox": "103,21,105,23"})
    assert response.status_code == 400
    assert "bbox" in response.json()["description"]


def test_unknown_record_is_404(client: TestClient) -> None:
    assert client.get(f"{ITEMS}/no.such.record").status_code == 404


def test_statistics_queryables(client: TestClient) -> None:
    properties = client.get("/collections/statistics/queryables").json()["properties"]
    assert {"indicator", "entity", "year", "value", "basis"} <= set(properties)
    assert "geometry" not in properties


def test_download_filtered_records_as_csv(client: TestClient, tmp_path: Path) -> None:
    frame = _records(client).frame
    indicator = frame["indicator"].iloc[0]
    response = client.get("/collections/statistics/download", params={"f": "csv", "indicator": indicator})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="statistics.csv"'
    path = tmp_path / "statistics.csv"
    path.write_bytes(response.content)
    table = pyogrio.read_dataframe(path)
    assert sorted(table["id"]) == sorted(_where(client, lambda f: f["indicator"] == indicator))


def test_statistics_download_refuses_geometry_formats(client: TestClient) -> None:
    response = client.get("/collections/statistics/download", params={"f": "shp"})
    assert response.status_code == 406


def test_derivation_is_a_queryable_string_and_filters_computed_figures(client: TestClient) -> None:
    schema = client.get("/collections/statistics/queryables").json()["properties"]
    assert schema["derivation"]["type"] == "string"
    computed = _where(client, lambda f: f["derivation"].notna())
    assert _ids(client, filter="derivation IS NOT NULL") == computed
    assert _ids(client, filter="derivation IS NULL") == _where(client, lambda f: f["derivation"].isna())
    assert _ids(client, filter="derivation IS NOT NULL AND derived = false") == _where(
        client, lambda f: f["derivation"].notna() & ~f["derived"])  # figures the research computed


def test_a_record_without_a_year_is_listed_with_its_period_but_outside_every_year(client: TestClient) -> None:
    frame = _records(client).frame
    undated = frame[frame["year"].isna()]
    if undated.empty:
        pytest.skip("the data under test dates every row")
    record = client.get(f"{ITEMS}/{undated['id'].iloc[0]}").json()
    assert record["properties"]["year"] is None and record["properties"]["period"] == undated["period"].iloc[0]
    assert not set(undated["id"]) & _ids(client, datetime="1900-01-01/2100-12-31")
    entity = str(undated["entity"].iloc[0])
    collection = str(undated["entity_collection"].iloc[0])
    feature = client.get(f"/collections/{collection}/items/{entity}").json()
    assert any(r["year"] is None and r["period"] == undated["period"].iloc[0] for r in feature["statistics"])
    page = client.get(f"/collections/{collection}/items/{entity}", params={"f": "html"}).text
    assert ">None<" not in page and "&lt;NA&gt;" not in page and "<NA>" not in page


def test_the_html_table_labels_a_computed_figure(client: TestClient) -> None:
    frame = _records(client).frame
    computed = frame[frame["derivation"].notna() & ~frame["derived"] & frame["entity_collection"].notna()]
    if computed.empty:
        pytest.skip("no computed figure of a feature in the data under test")
    row = computed.iloc[0]
    page = client.get(f"/collections/{row['entity_collection']}/items/{row['entity']}",
                      params={"f": "html", "lang": "en"}).text
    assert 'class="gi-computed"' in page and "(computed)" in page

"""Writes of the store contract, on every backend that takes them: ETags, revisions, history, snapshots.

The tests share one store per backend (module scope) and each works on features of its own.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import orjson
import pandas as pd
import pytest
from tests.conftest import DATA_DIR

from geo_industry.api.state import Prepared
from geo_industry.errors import CollectionNotFound, Conflict, FeatureNotFound, InvalidFeature, PreconditionFailed
from geo_industry.models import Bilingual, FeatureQuery, LayerMeta
from geo_industry.store import WritableStore, pinned

GATE_FILE = DATA_DIR / "geo" / "border_gates.geojson"
STAT_ROW = {"indicator": "copper_cathode_output", "entity": "tang-loong-copper-smelter", "year": "2026",
            "period": "Q3", "value": "4500", "unit": "t", "basis": "actual", "price_basis": "n/a",
            "source": "https://example.org/q3-report", "note": ""}


def _gate(feature_id: str) -> dict[str, Any]:
    feature = copy.deepcopy(orjson.loads(GATE_FILE.read_bytes())["features"][0])
    feature["id"] = feature["properties"]["id"] = feature_id
    feature["geometry"] = {"type": "Point", "coordinates": [103.96, 22.51]}
    return feature


def test_backend_satisfies_the_writable_protocol(writable):
    assert isinstance(writable, WritableStore)


def test_create_counts_bumps_the_revision_and_is_recorded(writable):
    count, revision = writable.count("border_gates"), writable.revision()
    assert writable.create_features("border_gates", [_gate("contract-created")], actor="alice") == ["contract-created"]
    assert writable.count("border_gates") == count + 1
    assert writable.revision() == revision + 1
    assert writable.get("border_gates", "contract-created").iloc[0]["id"] == "contract-created"
    entry = writable.history(feature_id="contract-created")[0]
    assert (entry.action, entry.actor, entry.layer_id, entry.before) == ("create", "alice", "border_gates", None)


def test_a_batch_with_one_bad_feature_writes_none(writable):
    count, revision = writable.count("border_gates"), writable.revision()
    bad = _gate("contract-bad")
    bad["properties"]["status"] = "booming"
    with pytest.raises(InvalidFeature, match="status"):
        writable.create_features("border_gates", [_gate("contract-good"), bad], actor="a")
    assert (writable.count("border_gates"), writable.revision()) == (count, revision)
    with pytest.raises(FeatureNotFound):
        writable.get("border_gates", "contract-good")


def test_etags_change_with_each_write_and_a_stale_one_is_refused(writable):
    writable.create_features("border_gates", [_gate("contract-tagged")], actor="a")
    first = writable.feature_etag("border_gates", "contract-tagged")
    assert first.startswith('"') and first == writable.snapshot().feature_etag("border_gates", "contract-tagged")
    second = writable.update_feature("border_gates", "contract-tagged", {"properties": {"status_note": "one"}},
                                     actor="a", if_match=first)
    assert second != first and second == writable.feature_etag("border_gates", "contract-tagged")
    with pytest.raises(PreconditionFailed, match="changed it since you read it"):
        writable.update_feature("border_gates", "contract-tagged", {"properties": {"status_note": "two"}},
                                actor="b", if_match=first)
    assert writable.get("border_gates", "contract-tagged").iloc[0]["status_note"] == "one"


def test_replace_update_delete_and_the_history_newest_first(writable):
    writable.create_features("border_gates", [_gate("contract-life")], actor="alice")
    replaced = _gate("contract-life")
    replaced["properties"]["status_note"] = "replaced"
    tag = writable.replace_feature("border_gates", "contract-life", replaced, actor="bob",
                                   if_match=writable.feature_etag("border_gates", "contract-life"))
    writable.update_feature("border_gates", "contract-life", {"properties": {"status_note": None}}, actor="carol",
                            if_match=tag)
    assert pd.isna(writable.get("border_gates", "contract-life").iloc[0]["status_note"])  # null removes it
    writable.delete_feature("border_gates", "contract-life", actor="dan")
    with pytest.raises(FeatureNotFound):
        writable.get("border_gates", "contract-life")
    with pytest.raises(FeatureNotFound):
        writable.feature_etag("border_gates", "contract-life")
    history = writable.history(feature_id="contract-life")
    assert [(h.action, h.actor) for h in history] == [("delete", "dan"), ("update", "carol"), ("replace", "bob"),
                                                      ("create", "alice")]
    assert history[2].after["properties"]["status_note"] == "replaced"
    assert [h.seq for h in history] == sorted((h.seq for h in history), reverse=True)


def _seek_pages(store: WritableStore, query: FeatureQuery) -> list[str]:
    """The ids of ``query``'s pages from its key to the end, each seeking after the last (as ``next`` links do)."""
    ids: list[str] = []
    while True:
        page = store.query("border_gates", query)
        ids += list(page.features["id"])
        if page.last_key is None:
            return ids
        query = replace(query, after=page.last_key, offset=query.offset + query.limit)


def test_seeking_pages_across_writes_visit_every_untouched_feature_once_in_order(writable):
    writable.create_features("border_gates", [_gate(f"contract-seek-{n}") for n in range(6)], actor="a")
    before = list(writable.query("border_gates", FeatureQuery(limit=10_000)).features["id"])
    first = writable.query("border_gates", FeatureQuery(limit=len(before) - 3))
    read, unread = list(first.features["id"]), before[-3:]
    assert "contract-seek-0" in read and unread == [f"contract-seek-{n}" for n in (3, 4, 5)]
    assert first.last_key is not None and first.last_key.id == read[-1]
    # between two pages: a feature already read and one not yet read deleted, one not yet read edited, one added
    writable.delete_feature("border_gates", "contract-seek-0", actor="a")
    writable.delete_feature("border_gates", unread[-2], actor="a")
    writable.update_feature("border_gates", unread[0], {"properties": {"status_note": "edited"}}, actor="a",
                            if_match=writable.feature_etag("border_gates", unread[0]))
    writable.create_features("border_gates", [_gate("contract-seek-late")], actor="a")
    rest = _seek_pages(writable, FeatureQuery(limit=3, after=first.last_key, offset=first.limit))
    visited = read + rest
    untouched = [i for i in before if i not in ("contract-seek-0", unread[-2], unread[0])]
    assert len(visited) == len(set(visited))
    assert [i for i in visited if i in untouched] == untouched
    assert "contract-seek-late" in rest and unread[-2] not in rest and unread[0] in rest


def test_seeking_after_a_deleted_key_and_deletes_before_it_skips_and_repeats_nothing(writable):
    writable.create_features("border_gates", [_gate(f"contract-seekdel-{n}") for n in range(6)], actor="a")
    before = list(writable.query("border_gates", FeatureQuery(limit=10_000)).features["id"])
    first = writable.query("border_gates", FeatureQuery(limit=len(before) - 3))
    assert first.last_key is not None and first.last_key.id == "contract-seekdel-2"
    # between two pages: the key's own feature and the features before it deleted
    for gone in ("contract-seekdel-2", "contract-seekdel-1", "contract-seekdel-0"):
        writable.delete_feature("border_gates", gone, actor="a")
    rest = _seek_pages(writable, FeatureQuery(limit=2, after=first.last_key, offset=first.limit))
    assert rest == [f"contract-seekdel-{n}" for n in (3, 4, 5)]


def test_a_seek_after_deleted_last_features_reaches_a_new_one_whose_id_sorts_before(writable):
    writable.create_features("border_gates", [_gate("contract-seeknew-y"), _gate("contract-seeknew-z")], actor="a")
    count = writable.count("border_gates")
    first = writable.query("border_gates", FeatureQuery(limit=count - 1))
    assert first.last_key is not None and first.last_key.id == "contract-seeknew-y"
    # between two pages: the key's feature and every one after it deleted, one whose id sorts before it added
    for gone in ("contract-seeknew-y", "contract-seeknew-z"):
        writable.delete_feature("border_gates", gone, actor="a")
    writable.create_features("border_gates", [_gate("contract-seeknew-a")], actor="a")
    rest = _seek_pages(writable, FeatureQuery(limit=2, after=first.last_key, offset=first.limit))
    assert rest == ["contract-seeknew-a"]


def test_a_snapshot_keeps_its_revision_while_writes_land(writable):
    with pinned(writable) as before:
        writable.create_features("border_gates", [_gate("contract-later")], actor="a")
        with pinned(writable) as after:
            assert after.revision() == before.revision() + 1
            with pytest.raises(FeatureNotFound):
                before.get("border_gates", "contract-later")
            assert after.get("border_gates", "contract-later").iloc[0]["id"] == "contract-later"
            ids = set(after.query("border_gates", FeatureQuery(limit=1000)).features["id"])
            assert "contract-later" in ids and before.count("border_gates") == after.count("border_gates") - 1
            assert "contract-later" not in set(before.query("border_gates", FeatureQuery(limit=1000)).features["id"])


@pytest.mark.parametrize(
    ("write", "error"),
    [
        (lambda s: s.create_features("nope", [_gate("contract-x")], actor="a"), CollectionNotFound),
        (lambda s: s.create_features("border_gates", [_gate("lao-cai-intl-road-gate")], actor="a"), Conflict),
        (lambda s: s.create_features("border_gates", [_gate("../etc/passwd")], actor="a"), InvalidFeature),
        (lambda s: s.update_feature("border_gates", "nope", {"properties": {}}, actor="a"), FeatureNotFound),
        (lambda s: s.update_feature("border_gates", "lao-cai-intl-road-gate", {"properties": {"colour": "red"}},
                                    actor="a"), InvalidFeature),
        (lambda s: s.update_feature("border_gates", "lao-cai-intl-road-gate", ["not", "a", "patch"], actor="a"),
         InvalidFeature),
        (lambda s: s.delete_feature("mines", "sin-quyen-copper-mine", actor="a"), Conflict),
        (lambda s: s.write_statistics(pd.DataFrame([{**STAT_ROW, "entity": "atlantis"}]), actor="a"), InvalidFeature),
    ],
    ids=["unknown-collection", "taken-id", "unsafe-id", "unknown-feature", "unknown-field", "patch-not-object",
         "feature-with-statistics", "unknown-entity"],
)
def test_bad_writes_raise_the_contract_error_and_change_nothing(writable, write, error):
    revision = writable.revision()
    with pytest.raises(error):
        write(writable)
    assert writable.revision() == revision


def test_statistics_add_then_replace_change_the_feature_etag(writable):
    tag = writable.feature_etag("processing_plants", "tang-loong-copper-smelter")
    assert writable.write_statistics(pd.DataFrame([STAT_ROW]), actor="dept") == 1
    with pytest.raises(Conflict, match="mode=replace"):
        writable.write_statistics(pd.DataFrame([STAT_ROW]), actor="dept")
    writable.write_statistics(pd.DataFrame([{**STAT_ROW, "value": "4700"}]), actor="dept", mode="replace")
    series = writable.series("tang-loong-copper-smelter")
    assert list(series[(series["year"] == 2026) & (series["period"] == "Q3")]["value"]) == [4700.0]
    assert writable.feature_etag("processing_plants", "tang-loong-copper-smelter") != tag


def test_the_statistics_revision_moves_with_statistics_and_their_entities_only(writable):
    start = writable.statistics_revision()
    writable.create_features("border_gates", [_gate("contract-plain")], actor="a")
    writable.update_feature("border_gates", "contract-plain", {"properties": {"status_note": "x"}}, actor="a")
    writable.delete_feature("border_gates", "contract-plain", actor="a")
    assert writable.statistics_revision() == start < writable.revision()
    writable.update_feature("mines", "sin-quyen-copper-mine", {"properties": {"status_note": "x"}}, actor="a")
    entity_written = writable.statistics_revision()
    assert entity_written == writable.revision() > start
    writable.write_statistics(pd.DataFrame([{**STAT_ROW, "period": "Q4"}]), actor="a")
    assert writable.statistics_revision() == writable.revision() > entity_written


def test_a_new_revision_is_prepared_around_the_last_records_unless_statistics_changed(writable):
    writable.create_features("border_gates", [_gate("contract-prepared")], actor="a")
    first = Prepared.of(writable)
    writable.update_feature("border_gates", "contract-prepared", {"properties": {"status_note": "x"}}, actor="a")
    second = Prepared.of(writable, previous=first)
    assert second.data_version > first.data_version
    assert second.records is first.records
    assert second.store.get("border_gates", "contract-prepared").iloc[0]["status_note"] == "x"
    writable.write_statistics(pd.DataFrame([{**STAT_ROW, "period": "Q2", "value": "4321"}]), actor="a")
    third = Prepared.of(writable, previous=second)
    assert third.records is not second.records
    records = third.records.frame
    assert list(records.loc[(records["entity"] == STAT_ROW["entity"]) & (records["period"] == "Q2"), "value"]) == [4321]


def test_an_uploaded_layer_is_listed_counted_and_queryable(writable):
    meta = LayerMeta(id="contract_layer", title=Bilingual(vi="Lớp thử", en="Test layer"),
                     description=Bilingual(vi="Lớp thử", en="Test layer"), geometry_type="Point",
                     licence="CC-BY-4.0", attribution="tests",
                     fields=[{"name": "id", "type": "string"}, {"name": "name_en", "type": "string"}])
    features = [{"type": "Feature", "id": f"contract-point-{i}", "properties": {"id": f"contract-point-{i}",
                 "name_en": f"Point {i}"}, "geometry": {"type": "Point", "coordinates": [104.0 + i / 100, 22.4]}}
                for i in range(3)]
    writable.add_layer(meta, features, actor="uploader")
    assert "contract_layer" in [m.id for m in writable.collections()]
    assert writable.count("contract_layer") == 3 and "name_en" in writable.schema("contract_layer")
    page = writable.query("contract_layer", FeatureQuery(limit=2, offset=2))
    assert (page.matched, list(page.features["id"])) == (3, ["contract-point-2"])
    with pytest.raises(Conflict):
        writable.add_layer(meta, features, actor="uploader")


def test_export_writes_the_data_layout(writable, tmp_path):
    written = writable.export_data(tmp_path)
    assert (tmp_path / "geo" / "catalog.json") in written and (tmp_path / "statistics.csv") in written

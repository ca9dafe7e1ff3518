"""JSON values as stored and served: integers past 64 bits read exact, found by path, written as digits."""

from __future__ import annotations

import json
import math

import orjson
import pytest

from geo_industry.json_values import INT64_MAX, INT64_MIN, big_integer_at, dumps, load_json
from geo_industry.models import FieldSpec
from geo_industry.validate import value_problem

BIG = 123456789012345678901234567890


@pytest.mark.parametrize("text", [b'{"a": 1, "b": [2.5, "x"]}', str([BIG, -BIG]).encode(),
                                  b'{"n": 18446744073709551616}', b"[1.2345678901234567890123]", '{"đ": "ứ"}'])
def test_load_json_reads_as_the_standard_library_does(text):
    assert repr(load_json(text)) == repr(json.loads(text))


def test_load_json_reads_a_number_past_a_doubles_range_and_refuses_what_orjson_refuses():
    assert math.isinf(load_json(b"[1e400]")[0])
    for bad in (b'["\\ud800"]', b"[NaN]", b"{bad", b"[" + str(BIG).encode() + b', "\\ud800"]'):
        with pytest.raises(ValueError):
            load_json(bad)


def test_big_integer_at_names_the_path_of_the_first_one():
    assert big_integer_at(INT64_MAX) is None and big_integer_at(INT64_MIN) is None and big_integer_at(True) is None
    assert big_integer_at(INT64_MAX + 1) == "" and big_integer_at(INT64_MIN - 1) == ""
    assert big_integer_at({"a": [1, {"b": BIG}]}) == ".a[1].b"


def test_dumps_writes_such_an_integer_as_its_digits_and_other_values_as_orjson(caplog):
    assert dumps({"a": [1, 2.5]}) == orjson.dumps({"a": [1, 2.5]})
    assert orjson.loads(dumps({"a": [1, BIG]}, what="feature x: ")) == {"a": [1, str(BIG)]}
    assert "feature x: .a[1] holds an integer out of the 64-bit range" in caplog.text


@pytest.mark.parametrize(("kind", "value", "named"), [("array", [1, BIG], "[1]: "), ("object", {"k": [BIG]}, "k[0]: "),
                                                      ("integer", BIG, ""), ("number", -BIG, "")])
def test_a_value_holding_an_integer_past_64_bits_is_refused_with_its_path(kind, value, named):
    problem = value_problem(FieldSpec(name="f", type=kind, title={"vi": "f", "en": "f"}), value)
    assert problem is not None and problem.startswith(f"{named}integer out of the 64-bit range")


def test_dumps_warns_once_per_holder_and_stops_at_the_cap(caplog, monkeypatch):
    from geo_industry import json_values

    monkeypatch.setattr(json_values, "_warned", set())
    monkeypatch.setattr(json_values, "MAX_WARNINGS", 3)
    for _ in range(5):  # a feature read again and again is named once
        dumps({"a": BIG}, what="feature again: ")
    assert caplog.text.count("feature again: .a holds") == 1
    for index in range(10):  # distinct holders: at most MAX_WARNINGS lines, the last one saying so
        dumps({"a": BIG}, what=f"feature {index}: ")
    lines = [line for line in caplog.text.splitlines() if "holds an integer out of the 64-bit range" in line]
    assert len(lines) == 3
    assert "further ones are not logged" in lines[-1]


@pytest.mark.parametrize("text", ['{"v": 1e400}', '{"v": -1e400, "id": 12345678901234567890123}',
                                  '[1, 2, 1.5e999]'])
def test_a_request_body_with_a_number_past_a_doubles_range_is_refused_not_read_as_infinity(text):
    with pytest.raises(ValueError, match="infinity"):
        load_json(text, finite=True)
    assert math.isinf(load_json(text)["v"] if text.startswith("{") else load_json(text)[2])  # a stored row is read


def test_finite_reading_keeps_big_integers_exact():
    assert load_json('{"id": 12345678901234567890123, "v": 1.5}', finite=True) == {"id": 12345678901234567890123,
                                                                                  "v": 1.5}

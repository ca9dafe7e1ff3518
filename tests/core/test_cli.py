"""The command line, run as a user runs it (a subprocess of the installed entry point)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import DATA_DIR
from tests.live_server import clean_env

from geo_industry.catalog import LAYER_IDS
from geo_industry.vector_io import read_vector

CLI = [sys.executable, "-m", "geo_industry"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120,
                          env={**clean_env(), "COLUMNS": "200"})


def test_help_everywhere():
    for command in ([], ["layers"], ["stats"], ["validate"], ["export"]):
        result = _run(*command, "--help")
        assert result.returncode == 0, result.stderr
        assert "Usage" in result.stdout


def test_layers_table_lists_every_layer_with_counts(store):
    result = _run("layers")
    assert result.returncode == 0, result.stderr
    for layer_id in LAYER_IDS:
        assert layer_id in result.stdout
        assert str(len(store.frame(layer_id))) in result.stdout


def test_stats_filters():
    result = _run("stats", "--indicator", "industrial_production_value", "--year", "2021")
    assert result.returncode == 0, result.stderr
    assert "41,200.00" in result.stdout


def test_validate_the_shipped_data_exits_zero():
    result = _run("validate", str(DATA_DIR))
    assert result.returncode == 0, result.stdout + result.stderr


def test_validate_a_broken_file_exits_one_and_names_file_feature_field(tmp_path):
    layer = json.loads((DATA_DIR / "geo" / "mines.geojson").read_text(encoding="utf-8"))
    layer["features"][0]["properties"]["status"] = "booming"
    path = tmp_path / "mines.geojson"
    path.write_text(json.dumps(layer), encoding="utf-8")
    result = _run("validate", str(path))
    assert result.returncode == 1
    feature_id = layer["features"][0]["id"]
    assert f"{path}: feature {feature_id}: field status: error:" in " ".join(result.stderr.split())


def test_validate_a_missing_path():
    result = _run("validate", "/nonexistent/file.geojson")
    assert result.returncode == 1 and "no such file" in result.stderr


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "fgb", "csv", "kml", "shp"])
def test_export_every_format(tmp_path, fmt, store):
    suffix = {"shp": "zip"}.get(fmt, fmt)
    output = tmp_path / f"gates.{suffix}"
    crs = "EPSG:4326" if fmt == "kml" else "EPSG:9208"
    result = _run("export", "border_gates", "--format", fmt, "--crs", crs, "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert output.stat().st_size > 0
    if fmt in ("gpkg", "fgb", "geojson"):
        assert len(read_vector(output)) == len(store.frame("border_gates"))


@pytest.mark.parametrize(
    ("args", "message"),
    [(["export", "nope", "-o", "x.gpkg"], "no collection 'nope'"),
     (["export", "mines", "--format", "xlsx", "-o", "x.xlsx"], "--format"),
     (["export", "mines", "--crs", "EPSG:2154", "-o", "x.gpkg"], "--crs")],
)
def test_export_bad_input_exits_two_with_a_message(tmp_path, args, message):
    result = _run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert not Path("x.gpkg").exists()

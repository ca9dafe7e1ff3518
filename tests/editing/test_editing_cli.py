"""The editing CLI: keys create|list|revoke, export-data, history (on settings.store_path)."""

from __future__ import annotations

import filecmp

import pytest
from tests.conftest import DATA_DIR
from tests.editing.conftest import GATE, server_env
from typer.testing import CliRunner

from geo_industry.cli import app
from geo_industry.keys import ApiKeys
from geo_industry.settings import Settings
from geo_industry.store.registry import prepare_for_processes
from geo_industry.store.sqlite import SQLiteStore
from geo_industry.validate import validate_data_dir


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Run the CLI with GEO_INDUSTRY_STORE_PATH pointing at a fresh store."""
    path = tmp_path / "var" / "store.sqlite"
    for name, value in server_env(path).items():
        if name.startswith("GEO_INDUSTRY_"):
            monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args)), path


def test_keys_create_prints_the_token_once_and_list_never_shows_it(cli):
    run, path = cli
    created = run("keys", "create", "--name", "doit-statistics", "--scope", "stats:write", "--scope", "layers:write")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert ApiKeys(path).authenticate(token).scopes == ("stats:write", "layers:write")
    listed = run("keys", "list")
    assert "doit-statistics" in listed.stdout and token.split("_", 2)[2] not in listed.stdout


def test_keys_revoke(cli):
    run, path = cli
    token = run("keys", "create", "--name", "n", "--scope", "features:write").stdout.strip().splitlines()[-1]
    key_id = token.split("_")[1]
    assert run("keys", "revoke", key_id).exit_code == 0
    assert run("keys", "revoke", key_id).exit_code == 2
    assert ApiKeys(path).list()[0].revoked_at is not None


def test_keys_create_with_an_unknown_scope_fails(cli):
    run, _ = cli
    assert run("keys", "create", "--name", "n", "--scope", "admin").exit_code == 2


def test_export_data_of_an_unchanged_store_is_identical_and_an_edit_shows_in_the_files(cli, tmp_path):
    run, path = cli
    store = SQLiteStore.open(path, seed_dir=DATA_DIR)
    out = tmp_path / "out"
    assert run("export-data", "-o", str(out)).exit_code == 0
    assert filecmp.cmp(DATA_DIR / "geo" / "border_gates.geojson", out / "geo" / "border_gates.geojson", shallow=False)
    store.update_feature("border_gates", GATE, {"properties": {"status_note": "edited"}}, actor="cli test")
    assert run("export-data", "-o", str(out)).exit_code == 0
    assert "edited" in (out / "geo" / "border_gates.geojson").read_text(encoding="utf-8")
    assert [p for p in validate_data_dir(out) if p.severity == "error"] == []


def test_export_data_without_a_store_fails_clearly(cli, tmp_path):
    run, _ = cli
    result = run("export-data", "-o", str(tmp_path / "out"))
    assert result.exit_code == 3
    assert "no editable store" in result.stderr


def test_history(cli):
    run, path = cli
    store = SQLiteStore.open(path, seed_dir=DATA_DIR)
    store.update_feature("border_gates", GATE, {"properties": {"status_note": "edited"}}, actor="planner-a")
    table = run("history", "--feature", GATE)
    assert table.exit_code == 0 and "planner-a" in table.stdout and "update" in table.stdout
    lines = run("history", "--layer", "border_gates", "--json").stdout.strip().splitlines()
    assert len(lines) == 1 and '"status_note": "edited"' in lines[0]


def test_serving_from_several_processes_seeds_a_new_store_once_beforehand(tmp_path):
    settings = Settings(_env_file=None, data_dir=DATA_DIR, store_backend="sqlite",  # type: ignore[call-arg]
                        store_path=tmp_path / "store.sqlite")
    prepare_for_processes(settings)  # what `serve --workers N` runs before the workers start
    store = SQLiteStore(settings.store_path)
    assert store.revision() == 0 and len(store.collections()) > 0
    store.close()

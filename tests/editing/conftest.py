"""Fixtures for the editing tests: an editable store seeded from data/, keys, the real app, a real server.

Every test gets its own SQLite store under ``tmp_path`` (seeded from the repository's data/),
API keys created with the core, and the real app through ``TestClient``. The slow tests start
a real uvicorn process on a free loopback port (:func:`running_server`).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.conftest import DATA_DIR
from tests.live_server import clean_env, free_port, wait_until_up

from geo_industry.api import create_app
from geo_industry.api.state import state_of
from geo_industry.keys import ApiKeys, KeyStore
from geo_industry.settings import Settings
from geo_industry.store.sqlite import SQLiteStore

GATE = "lao-cai-intl-road-gate"
GATE_URL = f"/collections/border_gates/items/{GATE}"
SCOPES = ("features:write", "stats:write", "layers:write")
WRITE_ORIGIN = "https://planner.example.vn"
READ_ORIGIN = "https://public.example.vn"
STAT_ROW = {"indicator": "copper_cathode_output", "entity": "tang-loong-copper-smelter", "year": "2026",
            "period": "Q1", "value": "4500", "unit": "t", "basis": "actual", "price_basis": "n/a",
            "source": "https://example.org/q1-report", "note": ""}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


def editing_settings(store_path: Path, **overrides: Any) -> Settings:
    """Settings of an editing deployment over ``store_path`` (no environment, no .env)."""
    values: dict[str, Any] = {"data_dir": DATA_DIR, "store_backend": "sqlite", "store_path": store_path,
                              "editing": True, "cors_origins": [READ_ORIGIN], "cors_write_origins": [WRITE_ORIGIN],
                              **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def new_gate(feature_id: str = "test-gate", geometry: dict[str, Any] | None = None) -> dict[str, Any]:
    """A valid border-gate feature (a copy of the first one) under a new id."""
    text = (DATA_DIR / "geo" / "border_gates.geojson").read_text(encoding="utf-8").splitlines()[1].rstrip(",")
    feature = json.loads(text)
    feature["id"] = feature_id
    feature["properties"]["id"] = feature_id
    feature["geometry"] = geometry or {"type": "Point", "coordinates": [103.96, 22.51]}
    return feature


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """Build a TestClient on the real app over a fresh store; ``make_client(max_body_bytes=...)``."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        path = tmp_path / f"store-{len(clients)}.sqlite"
        settings = editing_settings(path, **overrides)
        SQLiteStore.open(path, seed_dir=DATA_DIR)
        client = TestClient(create_app(settings))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with editing on and default limits, shared by a module's tests (each writes its own ids)."""
    path = tmp_path_factory.mktemp("editable") / "store.sqlite"
    SQLiteStore.open(path, seed_dir=DATA_DIR)
    with TestClient(create_app(editing_settings(path))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def store(client: TestClient) -> SQLiteStore:
    """The editable store the app opened."""
    return state_of(client.app).opened()  # type: ignore[return-value]


_ids = itertools.count()


def unique_id(prefix: str = "test-gate") -> str:
    """A feature id no other test uses."""
    return f"{prefix}-{os.getpid()}-{next(_ids)}"


def add_gate(store: SQLiteStore) -> str:
    """Create a fresh border gate with the core; returns its id."""
    return store.create_feature("border_gates", new_gate(unique_id()), actor="fixture")


def create_tokens(store: Path | KeyStore) -> dict[str, str]:
    """One token per scope, one with every scope (``all``) and a revoked one, in a key store (a path: the
    SQLite store's file)."""
    keys = ApiKeys(store) if isinstance(store, Path) else store
    tokens = {scope: keys.create(f"planner-{scope.split(':')[0]}", [scope])[1] for scope in SCOPES}
    tokens["all"] = keys.create("planner-all", list(SCOPES))[1]
    record, tokens["revoked"] = keys.create("planner-revoked", list(SCOPES))
    keys.revoke(record.id)
    return tokens


@pytest.fixture(scope="module")
def tokens(client: TestClient) -> dict[str, str]:
    """Tokens on the client's store, by scope (plus ``all`` and ``revoked``)."""
    return create_tokens(state_of(client.app).settings.store_path)


def etag_of(client: TestClient | httpx.Client, url: str = GATE_URL) -> str:
    """The current ETag of a feature."""
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


# a real server -----------------------------------------------------------------------------------
def server_env(store_path: Path) -> dict[str, str]:
    """Environment of a server (and CLI) working on ``store_path`` with editing on."""
    env = clean_env()
    env.update({"GEO_INDUSTRY_DATA_DIR": str(DATA_DIR), "GEO_INDUSTRY_STORE_BACKEND": "sqlite",
                "GEO_INDUSTRY_STORE_PATH": str(store_path), "GEO_INDUSTRY_EDITING": "true",
                "GEO_INDUSTRY_RASTER_DIR": str(store_path.parent / "rasters")})
    return env


@contextmanager
def running_server(store_path: Path, *, workers: int = 1, startup_timeout: float = 60,
                   env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A uvicorn process serving the app over ``store_path``; yields its base URL and the process.

    ``env`` adds to (or overrides) :func:`server_env`, e.g. another store backend.
    """
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "geo_industry.api.app:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    log = (store_path.parent / f"server-{port}.log").open("wb")
    process = subprocess.Popen(command, env={**server_env(store_path), **(env or {})}, cwd=store_path.parent,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, timeout_s=startup_timeout)
        yield url, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the server and its workers: our own process group
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


"""Fixtures for the real-client tests: the real app under uvicorn on a free loopback port.

GDAL and OWSLib talk HTTP, so these tests cannot use ``TestClient``: a session fixture starts
the app in a subprocess (``create_app(Settings(...))`` served by uvicorn, 127.0.0.1 only),
waits until it answers, yields its base URL and stops it. It does so once per store backend:
the embedded files, and PostGIS (the repository's ``data/`` loaded by ``db load`` into a database
of the session cluster), so every client test runs over both. The server's access log goes to a
file so a test can check what a client actually requested (paging, ``bbox``, ``filter``).
Expectations come from the server's own counts and from the core store over the same data.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from tests.conftest import DATA_DIR, DEM_TIF, REPO_ROOT
from tests.live_server import answers, clean_env, free_port

from geo_industry.store import EmbeddedStore

STARTUP_TIMEOUT_S = 60.0
_MARKER_PATH = "/log-marker-"

#: The child process: build settings explicitly (no .env; further settings as JSON in argv[3])
#: and serve the app factory's result.
_SERVE = """
import json
import sys
import uvicorn
from geo_industry.api import create_app
from geo_industry.settings import Settings

app = create_app(Settings(data_dir=sys.argv[1], _env_file=None, **json.loads(sys.argv[3])))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="info", access_log=True)
"""


@dataclass
class LiveServer:
    """A running server: its base URL and its log (uvicorn's stdout and stderr)."""

    url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def log_offset(self) -> int:
        """Current size of the log; pass it to :meth:`requests_since`."""
        return self.log_path.stat().st_size

    def log_since(self, offset: int, timeout_s: float = 30.0) -> str:
        """The log after ``offset`` up to a marker request sent now, once the marker is in it
        (earlier markers left out).

        Uvicorn logs each request as its response starts, in the order it answers them: the
        marker, sent after the client's last response arrived, is logged after all of them.
        """
        marker = f"{_MARKER_PATH}{uuid.uuid4().hex}"
        httpx.get(f"{self.url}{marker}", timeout=timeout_s)  # a 404, logged like any request
        deadline = time.monotonic() + timeout_s
        while True:
            with self.log_path.open("rb") as handle:
                handle.seek(offset)
                text = handle.read().decode("utf-8", "replace")
            if marker in text:
                before = text[: text.rfind("\n", 0, text.index(marker)) + 1]
                return "".join(line for line in before.splitlines(keepends=True) if _MARKER_PATH not in line)
            if time.monotonic() > deadline:
                raise AssertionError(f"the marker request {marker} was not logged within {timeout_s} s")
            time.sleep(0.05)  # polling the log for the marker line, not waiting a fixed time

    def requests_since(self, offset: int) -> list[str]:
        """Request lines (``GET /path?query``, URL-decoded) logged after ``offset``."""
        text = self.log_since(offset)
        lines = []
        for line in text.splitlines():
            if '"GET ' in line or '"POST ' in line:
                request = line.split('"', 2)[1].rsplit(" ", 1)[0]
                lines.append(unquote(request))
        return lines


def _start(data_dir: Path, log_path: Path, settings: dict[str, str]) -> LiveServer:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVE, str(data_dir), str(port), json.dumps(settings)],
        stdout=log, stderr=subprocess.STDOUT, env=clean_env(), cwd=REPO_ROOT,
    )
    log.close()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        if answers(url):
            return LiveServer(url, log_path, process)
        time.sleep(0.2)
    _stop(process)
    raise RuntimeError(f"server did not answer within {STARTUP_TIMEOUT_S} s:\n{log_path.read_text()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _serve(log_dir: Path, settings: dict[str, str]) -> Iterator[LiveServer]:
    """Start the app with ``settings``, yield it, stop it.

    A port taken between probing and binding makes the child exit; it is retried on a new port.
    """
    for attempt in range(3):
        try:
            server = _start(DATA_DIR, log_dir / f"uvicorn-{attempt}.log", settings)
            break
        except RuntimeError as exc:
            if "address already in use" not in str(exc).lower() or attempt == 2:
                raise
    try:
        yield server
    finally:
        _stop(server.process)


def _backend_settings(backend: str, request: pytest.FixtureRequest) -> dict[str, str]:
    """The settings selecting ``backend`` (PostGIS: a database of the session cluster, loaded once)."""
    if backend == "embedded":
        return {}
    from tests.postgis.databases import loaded_database

    url = loaded_database(request.getfixturevalue("pg_cluster"), DATA_DIR, "clients")
    return {"store_backend": "postgis", "database_url": url}


@pytest.fixture(scope="session", params=["embedded", "postgis"])
def live_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app on the embedded data, then on PostGIS, served by uvicorn on a free 127.0.0.1 port."""
    settings = _backend_settings(request.param, request)
    yield from _serve(tmp_path_factory.mktemp(f"live_server_{request.param}"), settings)


@pytest.fixture(scope="session")
def dem_live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The live server with the fixture DEM configured (terrain rasters built in a temporary folder)."""
    settings = {"dem_path": str(DEM_TIF), "raster_dir": str(tmp_path_factory.mktemp("dem-rasters"))}
    yield from _serve(tmp_path_factory.mktemp("dem_live_server"), settings)


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """Base URL of the live server, without a trailing slash."""
    return live_server.url


class ApiReader:
    """Reads what the live server itself reports (counts, ids), with plain httpx."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def json(self, path: str, **params: Any) -> dict[str, Any]:
        """GET ``path`` as JSON; raises on an error status."""
        response = self.client.get(path, params=params)
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    def items(self, collection: str, **params: Any) -> dict[str, Any]:
        """One items page of ``collection``."""
        return self.json(f"/collections/{collection}/items", **params)

    def number_matched(self, collection: str, **params: Any) -> int:
        """The server's ``numberMatched`` for a query."""
        return int(self.items(collection, limit=1, **params)["numberMatched"])

    def feature_ids(self, collection: str, **params: Any) -> set[str]:
        """Ids of every feature the server matches, read as one page of the maximum size."""
        body = self.items(collection, limit=10_000, **params)
        assert body["numberReturned"] == body["numberMatched"], "more than one page of matches"
        return {str(feature["id"]) for feature in body["features"]}


@pytest.fixture(scope="session")
def api(base_url: str) -> Iterator[ApiReader]:
    """The live server read directly over HTTP, for what the server itself reports."""
    with httpx.Client(base_url=base_url, timeout=30.0, headers={"Accept": "application/geo+json"}) as client:
        yield ApiReader(client)


@pytest.fixture(scope="session")
def layer_ids(store: EmbeddedStore) -> list[str]:
    """Every spatial collection id, in catalog order (``store`` comes from tests/conftest.py)."""
    return [meta.id for meta in store.collections()]

"""Helpers for tests that run the real app under uvicorn on a loopback port (clients, editing, browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env() -> dict[str, str]:
    """The test environment without GEO_INDUSTRY_* variables, so only explicit settings apply."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEO_INDUSTRY_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def answers(url: str) -> bool:
    """Whether the app at ``url`` answers its health check."""
    try:
        return httpx.get(f"{url}/health", timeout=2.0).status_code == 200
    except httpx.TransportError:
        return False


def wait_until_up(url: str, process: subprocess.Popen[bytes], *, timeout_s: float = 60.0) -> None:
    """Wait for the server process to answer; raise if it exits or stays silent."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        if answers(url):
            return
        time.sleep(0.1)
    raise RuntimeError(f"the server at {url} did not answer within {timeout_s} s")


#: The app as ``geo-industry serve`` runs it: explicit settings (no .env), uvicorn on loopback.
_SERVE = """
import sys
import uvicorn
from geo_industry.api import create_app
from geo_industry.settings import Settings

app = create_app(Settings(data_dir=sys.argv[1], _env_file=None))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


@contextmanager
def running_app(data_dir: Path, settings: dict[str, str] | None = None, *, log: Path | None = None) -> Iterator[str]:
    """The real app on ``data_dir`` under uvicorn on a free 127.0.0.1 port, with ``settings``
    (``GEO_INDUSTRY_*`` environment variables) on top of the defaults; yields its base URL. With ``log``,
    the server's output (warnings, tracebacks) goes to that file."""
    port = free_port()
    with log.open("wb") if log else open(os.devnull, "wb") as output:
        process = subprocess.Popen([sys.executable, "-c", _SERVE, str(data_dir), str(port)],
                                   env={**clean_env(), **(settings or {})}, stdout=output,
                                   stderr=subprocess.STDOUT if log else None)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url, process)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)

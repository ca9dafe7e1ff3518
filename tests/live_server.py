"""Helpers for tests that run the real app under uvicorn on a loopback port (clients, editing, browser)."""

from __future__ import annotations

import os
import socket
import subprocess
import time

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

"""Real servers over the PostGIS backend: ``geo-industry serve`` in a subprocess, and HTTP connections
pinned to a known worker process.

A keep-alive connection stays with the worker process that accepted it. :class:`Pinned` opens one
from a source port it chose, so :func:`worker_of` can find which worker holds the server side of
it (``/proc/net/tcp`` gives the socket's inode, ``/proc/<pid>/fd`` the process holding it): a test
can then write through one worker and read through another, knowing they differ.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from tests.conftest import DATA_DIR, REPO_ROOT
from tests.live_server import clean_env, free_port, wait_until_up
from tests.pgcluster import Cluster

#: a hang guard for servers starting, not a performance target
STARTUP_GUARD_S = 120.0
#: how long the server keeps an idle connection: a pinned connection must outlive a slow step of a test on a
#: loaded machine (uvicorn's default of 5 s closes it, and the next request on it finds it gone)
KEEP_ALIVE_S = 600


def on_cluster(url: str, cluster: Cluster) -> str:
    """The URL of the same database on another cluster (a replica of it)."""
    return cluster.url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1]


def server_env(database_url: str, work_dir: Path, *, read_url: str | None = None,
               **settings: str) -> dict[str, str]:
    """The environment of a server on the postgis backend (extra ``GEO_INDUSTRY_*`` by lower-case name)."""
    env = clean_env()
    env.update({"GEO_INDUSTRY_STORE_BACKEND": "postgis", "GEO_INDUSTRY_DATABASE_URL": database_url,
                "GEO_INDUSTRY_DATA_DIR": str(DATA_DIR), "GEO_INDUSTRY_RASTER_DIR": str(work_dir / "rasters"),
                "GEO_INDUSTRY_STORE_PATH": str(work_dir / "keys.sqlite")})
    if read_url is not None:
        env["GEO_INDUSTRY_DATABASE_READ_URL"] = read_url
    env.update({f"GEO_INDUSTRY_{name.upper()}": value for name, value in settings.items()})
    return env


@dataclass
class Server:
    """A running ``geo-industry serve``: its port, URL and master process."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def serving(env: dict[str, str], work_dir: Path, *, workers: int = 1) -> Iterator[Server]:
    """``python -m geo_industry serve --workers N`` on a free loopback port, stopped with its workers."""
    port = free_port()
    log_path = work_dir / f"server-{port}.log"
    command = [sys.executable, "-m", "geo_industry", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--timeout-keep-alive", str(KEEP_ALIVE_S)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = Server(port, process, log_path)
    try:
        try:
            wait_until_up(server.url, process, timeout_s=STARTUP_GUARD_S)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{server.log()[-3000:]}") from None
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the server and its workers: our own process group
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Pinned:
    """One keep-alive HTTP connection from a source port of our choosing (so its worker can be found)."""

    server: Server
    source_port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60,
                                                     source_address=("127.0.0.1", self.source_port))

    def request(self, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
        payload = None if body is None else orjson.dumps(body)
        sent = {"Accept": "application/geo+json", **({"Content-Type": "application/json"} if payload else {}),
                **(headers or {})}
        self.connection.request(method, path, body=payload, headers=sent)
        response = self.connection.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())

    def get(self, path: str, **headers: str) -> Reply:
        return self.request("GET", path, headers=headers)

    def close(self) -> None:
        self.connection.close()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def worker_of(pinned: Pinned) -> int:
    """The pid of the worker process holding the server side of ``pinned`` (after one request on it)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = (int(address.split(":")[1], 16) for address in fields[1:3])
        if local == pinned.server.port and remote == pinned.source_port:
            inode = fields[9]
    assert inode is not None, "the connection is not open"
    for pid in _children(pinned.server.process.pid):
        try:
            links = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
        except OSError:
            continue
        if f"socket:[{inode}]" in links:
            return pid
    raise AssertionError(f"no worker of {pinned.server.process.pid} holds socket {inode}")


def pinned_to_distinct_workers(server: Server, count: int, *, timeout_s: float = 180.0) -> list[Pinned]:
    """``count`` connections, each held by a different worker (new connections until each worker has one).

    A worker accepts connections only once its start-up (store, prepared data) is done; on a loaded
    machine one worker may answer long before the other, so this keeps opening connections until
    every worker holds one, or the hang guard ends it.
    """
    by_worker: dict[int, Pinned] = {}
    deadline = time.monotonic() + timeout_s
    attempts = 0
    while time.monotonic() < deadline:
        attempts += 1
        pinned = Pinned(server)
        assert pinned.get("/health").status == 200
        worker = worker_of(pinned)
        if worker in by_worker:
            pinned.close()
            time.sleep(0.05)  # poll interval: the other worker may still be starting
        else:
            by_worker[worker] = pinned
        if len(by_worker) == count:
            return list(by_worker.values())
    raise AssertionError(f"{attempts} connections in {timeout_s} s reached only {len(by_worker)} distinct workers")

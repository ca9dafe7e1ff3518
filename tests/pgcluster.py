"""A throwaway PostgreSQL/PostGIS cluster for tests and benchmarks (Debian's ``postgresql-15-postgis-3``).

``Cluster.start()`` runs ``initdb`` into a temporary directory (as the ``postgres`` user when
run as root, since PostgreSQL refuses to run as root), starts ``postgres`` on a free loopback
port, waits for ``pg_isready``, and creates a database with the ``postgis`` extension.
``stop()`` shuts it down and removes the directory. ``start_replica()`` makes a streaming
replica of it with ``pg_basebackup -R`` on another port; ``pause_replay()`` and ``resume_replay()``
hold and release a replica's replay (it keeps receiving WAL, so it lags on demand). Nothing is shared with a system
cluster; no network but loopback is used.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.live_server import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
DATABASE = "geo_industry"
SUPERUSER = "postgres"


def binaries_present() -> bool:
    """Whether the server and PostGIS are installed (``make test`` installs them)."""
    return (PG_BIN / "initdb").exists() and any(Path("/usr/share/postgresql/15/extension").glob("postgis.control"))


def _as_owner(argv: list[str]) -> list[str]:
    """Run as ``postgres`` when we are root (initdb and postgres refuse root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", SUPERUSER, "--", *argv]
    return argv


def _owner_name() -> str:
    return SUPERUSER if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name


@dataclass
class Cluster:
    """One running cluster: its data directory, port and the URL of its PostGIS database."""

    directory: Path
    port: int
    user: str
    replica_of: Cluster | None = None
    replicas: list[Cluster] = field(default_factory=list)

    @property
    def url(self) -> str:
        """``postgresql://`` URL of the test database (trust authentication on loopback)."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{DATABASE}"

    @classmethod
    def start(cls, *, settings: dict[str, str] | None = None) -> Cluster:
        """A new cluster with a ``geo_industry`` database holding the ``postgis`` extension."""
        directory = Path(tempfile.mkdtemp(prefix="geo-industry-pg-"))
        owner = _owner_name()
        shutil.chown(directory, user=owner)
        data = directory / "data"
        subprocess.run(_as_owner([str(PG_BIN / "initdb"), "-D", str(data), "-U", owner, "-A", "trust",
                                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
                       check=True, capture_output=True)
        cluster = cls(directory, free_port(), owner)
        cluster._configure(settings or {})
        cluster._launch()
        cluster.psql("postgres", f"CREATE DATABASE {DATABASE}")
        cluster.psql(DATABASE, "CREATE EXTENSION IF NOT EXISTS postgis")
        return cluster

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def _configure(self, extra: dict[str, str]) -> None:
        conf = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.directory}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "wal_level": "replica",
            "max_wal_senders": "4",
            "max_connections": "100",
            "shared_buffers": "128MB",
            **extra,
        }
        with (self.data / "postgresql.auto.conf").open("a") as auto:
            auto.writelines(f"{name} = {value}\n" for name, value in conf.items())
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")

    def _launch(self) -> None:
        log = self.directory / "server.log"
        subprocess.run(_as_owner([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(log),
                                  "-o", f"-p {self.port}", "start"]), check=True, capture_output=True)
        self.wait_ready()

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        """Poll ``pg_isready`` until the server accepts connections."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            ready = subprocess.run([str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                                   capture_output=True)
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        log = (self.directory / "server.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"PostgreSQL on port {self.port} not ready in {timeout_s} s:\n{log}")

    def psql(self, database: str, sql: str) -> str:
        """Run ``sql`` with psql; return its unaligned output."""
        done = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                               "-p", str(self.port), "-U", self.user, "-d", database, "-c", sql],
                              check=True, capture_output=True, text=True)
        return done.stdout.strip()

    def stop(self, *, remove: bool = True) -> None:
        """Stop the server (fast shutdown) and, unless asked not to, delete its directory."""
        for replica in list(self.replicas):
            replica.stop(remove=remove)
        if (self.data / "postmaster.pid").exists():
            subprocess.run(_as_owner([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
                           capture_output=True)
        if remove:
            shutil.rmtree(self.directory, ignore_errors=True)

    def restart(self) -> None:
        """Stop and start the server on the same port (connections are cut)."""
        self.pause()
        self.resume()

    def pause(self) -> None:
        """Stop the server, keeping its data (connections are cut; :meth:`resume` starts it again)."""
        subprocess.run(_as_owner([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
                       check=True, capture_output=True)

    def resume(self) -> None:
        """Start the paused server on the same port."""
        self._launch()

    def pause_replay(self) -> None:
        """Pause a replica's WAL replay (it shows no later commit until :meth:`resume_replay`); returns once
        the replay is paused."""
        assert self.replica_of is not None, "only a replica replays"
        self.psql("postgres", "SELECT pg_wal_replay_pause()")
        while self.psql("postgres", "SELECT pg_get_wal_replay_pause_state()") != "paused":
            time.sleep(0.01)  # poll interval for the state to show (a pause takes effect between records)

    def resume_replay(self) -> None:
        """Resume a paused replica's WAL replay."""
        self.psql("postgres", "SELECT pg_wal_replay_resume()")

    def start_replica(self) -> Cluster:
        """A streaming replica of this cluster (``pg_basebackup -R``) on another port, ready for reads."""
        directory = Path(tempfile.mkdtemp(prefix="geo-industry-pg-replica-"))
        shutil.chown(directory, user=self.user)
        replica = Cluster(directory, free_port(), self.user, replica_of=self)
        subprocess.run(_as_owner([str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port),
                                  "-U", self.user, "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast",
                                  "--no-sync"]), check=True, capture_output=True)
        with (replica.data / "postgresql.auto.conf").open("a") as auto:
            auto.write(f"port = {replica.port}\nunix_socket_directories = '{directory}'\nhot_standby = on\n")
        replica._launch()
        self.replicas.append(replica)
        return replica

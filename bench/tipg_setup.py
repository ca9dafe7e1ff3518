"""tipg for the PostGIS comparison: its own venv, the same database and tables as ours.

The venv lives in ``bench/.venv-tipg`` (git-ignored) and is created on first use with the
pinned ``PACKAGES`` (the uvicorn pin is the version our own venv runs, so both servers get the
same HTTP stack). tipg publishes the tables of the ``geo_industry`` schema; each benchmark
table is told which columns are the feature's properties, so tipg returns the same properties
as ours and not the store's bookkeeping columns (``properties`` JSON, ``version``, ``etag``,
``position``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

VENV = Path(__file__).resolve().parent / ".venv-tipg"
TIPG_VERSION = "1.6.1"
PACKAGES = [f"tipg=={TIPG_VERSION}", "uvicorn[standard]==0.55.0"]
APP = "tipg.main:app"
SCHEMA = "geo_industry"


def ensure_venv() -> str:
    """Create the tipg venv if missing or not at the pinned version; return its python."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(VENV)], check=True)
    if version(str(python)) != TIPG_VERSION:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PACKAGES], check=True)
    return str(python)


def version(python: str) -> str | None:
    """The installed tipg version (None: not installed)."""
    code = "import importlib.metadata as m; print(m.version('tipg'))"
    done = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def collection_id(table: str) -> str:
    """tipg's collection id of a table: ``<schema>.<table>``."""
    return f"{SCHEMA}.{table}"


def environment(database_url: str, tables: Mapping[str, Sequence[str]], *, pool_size: int) -> dict[str, str]:
    """Environment of the tipg server: database, schema, tables and their property columns.

    ``tables`` maps each published table to its property columns. ``pool_size`` is the largest
    connection pool per worker (ours is given the same).
    """
    env = {
        "DATABASE_URL": database_url,
        "TIPG_DB_SCHEMAS": json.dumps([SCHEMA]),
        "TIPG_DB_TABLES": json.dumps([collection_id(t) for t in tables]),
        "TIPG_DB_MAX_CONN_SIZE": str(pool_size),
        "TIPG_DEFAULT_FEATURES_LIMIT": "10",
        "TIPG_CATALOG_TTL": "0",  # no catalog refresh during the runs
        "TIPG_DEBUG": "false",
    }
    for table, columns in tables.items():
        key = f"TIPG_TABLE_CONFIG__{SCHEMA}_{table}"
        env[f"{key}__PK"] = "id"
        env[f"{key}__GEOMCOL"] = "geom"
        env[f"{key}__PROPERTIES"] = json.dumps(list(columns))
    return env

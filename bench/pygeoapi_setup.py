"""pygeoapi for the comparison: its own venv, the same layers, a generated minimal config.

The venv lives in ``bench/.venv-pygeoapi`` (git-ignored) and is created on first use with
``pip install pygeoapi uvicorn[standard] starlette``. Each layer is published twice so the
benchmark can keep pygeoapi's faster provider for this data:

- ``<layer>``: the SQLite/GeoPackage provider (``SQLiteGPKG``) over a GeoPackage written with
  ``ogr2ogr`` from ``data/geo/<layer>.geojson``; needs SpatiaLite (Debian
  ``libsqlite3-mod-spatialite``) and a Python whose ``sqlite3`` can load extensions;
- ``<layer>__geojson``: the GeoJSON provider over the original file.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

VENV = Path(__file__).resolve().parent / ".venv-pygeoapi"
PACKAGES = ["pygeoapi", "uvicorn[standard]", "starlette"]
SPATIALITE = Path("/usr/lib/x86_64-linux-gnu/mod_spatialite.so")
GEOJSON_SUFFIX = "__geojson"


def _can_load_extensions(python: str) -> bool:
    probe = "import sqlite3; sqlite3.connect(':memory:').enable_load_extension(True)"
    return subprocess.run([python, "-c", probe], capture_output=True).returncode == 0


def _base_python() -> str:
    """Our interpreter when its sqlite3 loads extensions (SpatiaLite), else the system one."""
    ours = getattr(sys, "_base_executable", sys.executable)
    if _can_load_extensions(ours):
        return ours
    system = shutil.which("python3", path="/usr/bin")
    return system if system and _can_load_extensions(system) else ours


def ensure_venv() -> str:
    """Create the pygeoapi venv if missing; return its python."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([_base_python(), "-m", "venv", str(VENV)], check=True)
    probe = "import pygeoapi, uvicorn, starlette, uvloop, httptools"
    if subprocess.run([str(python), "-c", probe], capture_output=True).returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PACKAGES], check=True)
    return str(python)


def version(python: str) -> str:
    """The installed pygeoapi version."""
    code = "import importlib.metadata as m; print(m.version('pygeoapi'))"
    return subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def gpkg_available(python: str) -> bool:
    """Whether the SQLite/GeoPackage provider can run here."""
    return SPATIALITE.exists() and shutil.which("ogr2ogr") is not None and _can_load_extensions(python)


def _write_geopackage(geo_dir: Path, layers: list[str], out: Path) -> None:
    for layer in layers:
        subprocess.run(["ogr2ogr", "-f", "GPKG", "-append", "-nln", layer, str(out),
                        str(geo_dir / f"{layer}.geojson")], check=True, capture_output=True)
    with sqlite3.connect(out) as conn:  # the provider reads tables by name; keep them analysed
        conn.execute("ANALYZE")


def _resource(layer: str, provider: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "collection", "title": layer, "description": layer, "keywords": [layer],
        "extents": {"spatial": {"bbox": [102.0, 21.0, 106.0, 23.5],
                                "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
        "links": [], "providers": [{"type": "feature", "id_field": "id", **provider}],
    }


def write_config(work_dir: Path, *, url: str, geo_dir: Path, layers: list[str], gpkg: bool) -> Path:
    """A minimal pygeoapi config publishing ``layers``; returns its path."""
    resources: dict[str, Any] = {}
    if gpkg:
        package = work_dir / "layers.gpkg"
        _write_geopackage(geo_dir, layers, package)
        for layer in layers:
            resources[layer] = _resource(layer, {"name": "SQLiteGPKG", "data": str(package), "table": layer})
    for layer in layers:
        resources[layer + GEOJSON_SUFFIX] = _resource(layer, {"name": "GeoJSON",
                                                               "data": str(geo_dir / f"{layer}.geojson")})
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": 5000}, "url": url, "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8", "languages": ["en-US"], "pretty_print": False,
            "limits": {"default_items": 10, "max_items": 10000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OpenStreetMap"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "bench", "description": "geo-industry benchmark", "keywords": ["bench"],
                               "keywords_type": "theme", "terms_of_service": url, "url": url},
            "license": {"name": "CC-BY 4.0", "url": url}, "provider": {"name": "bench", "url": url},
            "contact": {"name": "bench", "position": "bench", "address": "-", "city": "Lào Cai",
                        "stateorprovince": "Lào Cai", "postalcode": "-", "country": "VN", "phone": "-",
                        "fax": "-", "email": "bench@example.org", "url": url, "hours": "-",
                        "instructions": "-", "role": "pointOfContact"},
        },
        "resources": resources,
    }
    path = work_dir / "pygeoapi-config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def write_openapi(python: str, config: Path) -> Path:
    """Generate the OpenAPI document pygeoapi's app loads at start-up."""
    out = config.with_name("pygeoapi-openapi.yml")
    pygeoapi = str(Path(python).with_name("pygeoapi"))
    subprocess.run([pygeoapi, "openapi", "generate", str(config), "--output-file", str(out)], check=True,
                   capture_output=True, env={"PYGEOAPI_CONFIG": str(config), "PATH": "/usr/bin:/bin"})
    return out


def environment(config: Path, openapi: Path) -> dict[str, str]:
    """Environment of the pygeoapi server process."""
    return {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi),
            "SPATIALITE_LIBRARY_PATH": str(SPATIALITE)}

"""Settings, read from ``GEO_INDUSTRY_*`` environment variables (pydantic-settings).

Build them in the app factory or the CLI and pass them down; tests construct them explicitly
with ``_env_file=None``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PACKAGE_ROOT = Path(__file__).resolve().parent
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def default_data_dir() -> Path:
    """Return the embedded data directory: ``data/`` of a source checkout."""
    return PACKAGE_ROOT.parents[1] / "data"


class Settings(BaseSettings):
    """Service settings: where the data is and how the API behaves."""

    model_config = SettingsConfigDict(env_prefix="GEO_INDUSTRY_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir, description="folder holding geo/ and statistics.csv")
    default_limit: int = Field(10, ge=1, description="items per page when the client sets no limit")
    max_limit: int = Field(10_000, ge=1, description="largest limit a client may ask for")
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list,
                                                         description="allowed CORS origins for reads")
    cors_write_origins: Annotated[list[str], NoDecode] = Field(default_factory=list,
                                                               description="allowed CORS origins for writes")
    basemap: Literal["offline", "osm", "carto"] = "offline"
    vector_tile_threshold: int = Field(
        5_000, ge=1, description="served map pages draw a layer from its vector tiles (not its GeoJSON) once it "
        "has at least this many located features; the shipped layers, far smaller, stay GeoJSON")
    dem_path: Path | None = Field(None, description="a DEM GeoTIFF for the terrain rasters")
    boundary_path: Path | None = Field(None, description="a boundary layer (GeoJSON/GPKG) for maps")
    rivers_path: Path | None = Field(None, description="a rivers layer for maps and exclusions")
    raster_dir: Path | None = Field(None, description="where built raster products are cached")
    public_url: str | None = Field(None, description="base URL of every absolute link (http or https), "
                                                      "e.g. https://data.example.vn behind a proxy")
    trusted_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(LOOPBACK_HOSTS),
        description="Host header values served (comma-separated; '*' any); the public URL's host is always added")

    store_backend: Literal["embedded", "sqlite", "postgis"] = Field(
        "embedded", description="embedded: read-only files of data/; sqlite: the editable store seeded from them; "
                                "postgis: a PostgreSQL/PostGIS database (load it with `geo-industry db load`)")
    store_path: Path = Field(Path("var/geo-industry.sqlite"), description="database of the sqlite backend")
    database_url: SecretStr | None = Field(
        None, description="postgresql:// URL of the postgis backend's primary (writes, and reads without a read URL)")
    database_read_url: SecretStr | None = Field(
        None, description="postgresql:// URL reads go to (a streaming replica); default: database_url")
    database_pool_size: int = Field(8, ge=1, le=256, description="connections per pool of the postgis backend")
    database_replica_wait_ms: int = Field(
        50, ge=0, le=5_000, description="with a read URL: how long the first read to find the replica behind a "
        "revision this worker knows waits for it to replay that revision before reads go to the primary "
        "(0: straight to the primary)")
    database_statement_timeout_s: float | None = Field(
        None, gt=0, le=600, description="longest a postgis statement may run; default: request_budget_s")
    editing: bool = Field(False, description="enable writes (OGC API - Features Part 4); needs the sqlite backend")
    max_body_bytes: int = Field(5_000_000, ge=1, description="largest request body accepted")
    max_upload_bytes: int = Field(50_000_000, ge=1, description="largest layer upload accepted")
    max_archive_files: int = Field(20, ge=1, description="most files a zipped upload may hold")
    max_features_per_request: int = Field(10_000, ge=1, description="most features one write may carry")
    max_download_features: int = Field(
        50_000, ge=1, description="most features one download (/collections/{id}/download) writes into its file; "
        "a larger selection answers 413 pointing to paging, the vector tiles and `geo-industry export`")
    max_vertices: int = Field(100_000, ge=4, description="most vertices one geometry may have")
    request_budget_s: float = Field(
        10.0, gt=0, le=600, description="time budget of the heavy work one request triggers (filters, pages, "
                                        "downloads, rasters); past it the answer is 503")
    request_workers: int = Field(
        4, ge=1, le=64, description="worker threads running requests' heavy work (the event loop never does); "
                                    "requests with a filter get half as many of their own")
    malloc_arenas: int = Field(
        0, ge=0, le=64, description="glibc malloc arenas a worker uses at most (0: the C library's default, eight "
                                    "per core): 2 keeps about 20 MB less resident memory after tile and bbox "
                                    "requests but costs threads waiting on malloc's lock (10-20 % more CPU per "
                                    "request measured in process); the MALLOC_ARENA_MAX environment variable wins")
    feature_cache_size: int = Field(
        20_000, ge=0, le=10_000_000, description="encoded GeoJSON features a worker keeps for later pages (about "
                                                 "0.4 kB each for points; the oldest dropped first; 0: none)")
    response_cache_mb: float = Field(
        32.0, ge=0, le=65_536, description="megabytes of finished responses a worker keeps for repeated requests "
                                           "(the least recently used dropped first; 0: none)")
    max_upload_vertices: int = Field(2_000_000, ge=4, description="most vertices a layer upload may have "
                                     "(estimated from the file's geometry bytes before it is read)")
    max_json_depth: int = Field(16, ge=4, le=512, description="deepest nesting of arrays and objects in a "
                                "JSON request body")

    @field_validator("cors_origins", "cors_write_origins", "trusted_hosts", mode="before")
    @classmethod
    def _split_comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("database_url", "database_read_url", mode="before")
    @classmethod
    def _empty_url_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"invalid public_url={value!r}: expected an http(s) URL such as https://data.example.vn")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _check_limits(self) -> Settings:
        if self.default_limit > self.max_limit:
            raise ValueError(
                f"default_limit ({self.default_limit}) must not exceed max_limit ({self.max_limit})"
            )
        return self

    @model_validator(mode="after")
    def _check_database(self) -> Settings:
        if self.store_backend == "postgis" and self.database_url is None:
            raise ValueError("store_backend=postgis needs database_url "
                             "(GEO_INDUSTRY_DATABASE_URL, a postgresql:// URL)")
        return self

    @model_validator(mode="after")
    def _check_editing(self) -> Settings:
        if self.editing and self.store_backend not in ("sqlite", "postgis"):
            raise ValueError("editing=true needs a writable store_backend: sqlite or postgis "
                             "(the embedded files are read-only)")
        return self

    @property
    def statement_timeout_s(self) -> float:
        """The postgis backend's statement timeout: its own setting, else the request budget."""
        return self.database_statement_timeout_s or self.request_budget_s

    @property
    def allowed_hosts(self) -> frozenset[str]:
        """Host names a request may name in ``Host``: ``trusted_hosts`` and the public URL's host."""
        hosts = {host.strip().lower() for host in self.trusted_hosts if host.strip()}
        if self.public_url:
            netloc = urlsplit(self.public_url).netloc.lower().rsplit("@", 1)[-1]
            hosts.add(netloc.split("]")[0] + "]" if netloc.startswith("[") else netloc.split(":")[0])
        return frozenset(hosts)

    @property
    def public_origin(self) -> str | None:
        """``scheme://host[:port]`` of the public URL, if one is set."""
        if not self.public_url:
            return None
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def geo_dir(self) -> Path:
        """Folder of the layer GeoJSON files and catalog.json."""
        return self.data_dir / "geo"

    @property
    def statistics_path(self) -> Path:
        """The long statistics table."""
        return self.data_dir / "statistics.csv"

    @property
    def entities_path(self) -> Path:
        """Statistics entities that are not features (admin units, organisations)."""
        return self.data_dir / "entities.csv"

    @property
    def investor_facts_path(self) -> Path:
        """Investor facts (boards, contacts, incentives, occupancy) with their sources and dates."""
        return self.data_dir / "investor_facts.csv"

"""Command-line interface: ``geo-industry layers|stats|validate|export|serve|openapi|maps|analyse``.

Exit codes: 0 success, 1 validation problems found, 2 bad usage or input (typer's own),
3 data could not be loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from geo_industry.catalog import load_catalog
from geo_industry.crs import resolve_crs
from geo_industry.errors import GeoIndustryError
from geo_industry.export import EXPORT_FORMATS, resolve_format, write_layer_batches
from geo_industry.keys import ApiKeys, KeyStore
from geo_industry.models import FeatureQuery
from geo_industry.settings import Settings
from geo_industry.store import FeatureStore, WritableStore, open_store
from geo_industry.store.registry import MULTI_PROCESS_BACKENDS, open_writable_store, prepare_for_processes
from geo_industry.validate import Problem, validate_data_dir, validate_layer, validate_statistics

if TYPE_CHECKING:
    from geo_industry.store.postgis import Database

WORLD = (-180.0, -90.0, 180.0, 90.0)
"""The CRS84 domain: a bbox selecting every feature that has a geometry."""
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_DATA = 3

app = typer.Typer(help="Lào Cai industrial geo-layers: catalog, statistics, validation, export, API.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
console = Console()
err_console = Console(stderr=True)

DataOption = Annotated[Path | None, typer.Option("--data", help="data folder (holds geo/ and statistics.csv)")]


def _settings(data: Path | None) -> Settings:
    return Settings(data_dir=data) if data else Settings()


def _store(data: Path | None) -> FeatureStore:
    try:
        return open_store(_settings(data))
    except GeoIndustryError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_DATA) from None


@app.command()
def layers(data: DataOption = None) -> None:
    """List the layers: id, title, geometry type, feature count, extent, CRS, as-of."""
    store = _store(data)
    table = Table(title="geo-industry layers")
    for column in ("id", "title", "geometry", "features", "located", "extent (lon/lat)", "CRS", "as of"):
        table.add_column(column)
    for meta in store.collections():
        bbox, _ = store.extent(meta.id)
        extent = "—" if bbox is None else ", ".join(f"{v:.3f}" for v in bbox)
        table.add_row(meta.id, meta.title.en, meta.geometry_type, str(store.count(meta.id)),
                      str(_located(store, meta.id)), extent, meta.crs, meta.as_of or "—")
    console.print(table)


def _located(store: FeatureStore, layer_id: str) -> int:
    """How many features of the layer have a geometry: those the whole CRS84 domain selects (counted by the
    store, never read)."""
    return store.query(layer_id, FeatureQuery(bbox=WORLD, limit=1)).matched


@app.command()
def stats(
    data: DataOption = None,
    indicator: Annotated[str | None, typer.Option(help="only this indicator")] = None,
    entity: Annotated[str | None, typer.Option(help="only this entity (feature id or admin:/org: id)")] = None,
    year: Annotated[int | None, typer.Option(help="only this year")] = None,
    basis: Annotated[str | None, typer.Option(help="actual, target, estimate or preliminary")] = None,
    summary: Annotated[bool, typer.Option("--summary", help="indicators with entity and year ranges")] = False,
) -> None:
    """Show output statistics, filtered by indicator, entity, year and basis."""
    store = _store(data)
    rows = store.statistics
    for column, value in (("indicator", indicator), ("entity", entity), ("year", year), ("basis", basis)):
        if value is not None:
            rows = rows[rows[column] == value]
    if summary:
        table = Table(title="indicators")
        for column in ("indicator", "unit", "entities", "years", "rows"):
            table.add_column(column)
        for name, group in rows.groupby("indicator"):
            years = f"{group['year'].min()}–{group['year'].max()}"
            table.add_row(str(name), ", ".join(sorted(set(group["unit"]))), str(group["entity"].nunique()),
                          years, str(len(group)))
        console.print(table)
        return
    table = Table(title=f"{len(rows)} statistics rows")
    for column in ("indicator", "entity", "year", "period", "value", "unit", "basis", "price basis"):
        table.add_column(column)
    for row in rows.itertuples():
        table.add_row(row.indicator, row.entity, str(row.year), row.period, f"{row.value:,.2f}", row.unit,
                      row.basis, row.price_basis)
    console.print(table)


@app.command()
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="data folders, layer files or statistics CSVs")] = None,
    data: DataOption = None,
) -> None:
    """Check data: file, CRS, geometry, bounds, ids, fields, enumerations, statistics integrity."""
    settings = _settings(data)
    problems: list[Problem] = []
    for path in paths or [settings.data_dir]:
        problems.extend(_validate_path(path, settings))
    errors = [p for p in problems if p.severity == "error"]
    for problem in problems:
        (err_console if problem.severity == "error" else console).print(str(problem), highlight=False, markup=False)
    if errors:
        err_console.print(f"{len(errors)} error(s)")
        raise typer.Exit(EXIT_PROBLEMS)
    console.print(f"ok: {len(problems)} warning(s), no errors")


def _validate_path(path: Path, settings: Settings) -> list[Problem]:
    if not path.exists():
        return [Problem(str(path), "*", "*", "no such file or folder")]
    if path.is_dir():
        return validate_data_dir(path if (path / "geo").is_dir() else path.parent)
    if path.suffix.lower() == ".csv":
        return validate_statistics(path, _existing_entities(_store(settings.data_dir)))
    catalog = load_catalog(settings.geo_dir / "catalog.json")
    meta = catalog.get(path.stem) if path.stem in catalog else None
    return validate_layer(path, meta)


def _existing_entities(store: FeatureStore) -> Callable[[Collection[str]], set[str]]:
    """Which of some entity ids the store knows: statistics entities or features of any layer (looked up by
    id, no layer read whole)."""

    def existing(candidates: Collection[str]) -> set[str]:
        features = {fid for _, rows in store.entity_features(candidates) for fid in rows["id"]}
        return features | (set(store.entities["entity"]) & set(candidates))

    return existing


@app.command()
def export(
    layer: Annotated[str, typer.Argument(help="layer id, e.g. mines")],
    output: Annotated[Path, typer.Option("-o", "--output", help="file to write")],
    format: Annotated[str, typer.Option("--format", "-f", help="|".join(EXPORT_FORMATS))] = "gpkg",
    crs: Annotated[str, typer.Option(help="output CRS, e.g. EPSG:9208 or an OGC URI")] = "OGC:CRS84",
    data: DataOption = None,
) -> None:
    """Export a layer to GeoPackage, GeoJSON, FlatGeobuf, CSV (WKT), KML or zipped Shapefile.

    The layer is read in batches and streamed into the file (memory holds one batch, whatever the
    layer's size, a zipped Shapefile's too); progress is shown on stderr.
    """
    from rich.progress import Progress

    store = _store(data)
    try:
        fmt = resolve_format(format, parameter="--format")
        target_crs = resolve_crs(crs, parameter="--crs")
        total = store.count(layer)
        with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
            task = bar.add_task(f"exporting {layer}", total=total)
            written = write_layer_batches(store.frame_batches(layer), output, fmt=fmt, crs=target_crs,
                                          geometry_types=store.geometry_types(layer), layer_name=layer,
                                          progress=lambda done: bar.update(task, completed=done))
    except GeoIndustryError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    console.print(f"wrote {written} features of {layer} to {output} ({fmt.name}, {target_crs.code})")


# serve (API) ------------------------------------------------------------
maps_app = typer.Typer(help="Build the investor maps and zone fact sheets.", no_args_is_help=True)
app.add_typer(maps_app, name="maps")


@maps_app.command("build")
def maps_build(
    output: Annotated[Path, typer.Option("-o", "--output", help="folder to write the static site into")],
    data: DataOption = None,
    basemap: Annotated[str, typer.Option(help="basemap selected when a page opens: offline, osm or carto")] = "offline",
) -> None:
    """Write every map and fact sheet as a self-contained static site (works from file:// too).

    A layer of at least ``GEO_INDUSTRY_VECTOR_TILE_THRESHOLD`` features (which the served overview draws
    from vector tiles) is not read and is left out of the pages, its legend saying so.
    """
    from rich.progress import Progress

    from geo_industry.maps.site import build_static_site

    if basemap not in ("offline", "osm", "carto"):
        err_console.print(f"[red]error:[/red] --basemap {basemap!r}: expected offline, osm or carto")
        raise typer.Exit(EXIT_USAGE)
    settings = _settings(data)
    store = _store(data)
    with Progress(console=console) as bar:
        task = bar.add_task("building pages", total=None)

        def progress(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=name)

        site = build_static_site(store, output, settings=settings, basemap=basemap, progress=progress)
    console.print(f"wrote {len(site.pages)} pages ({site.total_bytes / 1e6:.1f} MB) to {output}; "
                  f"open {output / 'index.html'}")
    for layer_id, features in site.left_out.items():
        console.print(f"[yellow]left out:[/yellow] {layer_id} ({features} features, at least "
                      f"GEO_INDUSTRY_VECTOR_TILE_THRESHOLD={settings.vector_tile_threshold}; the served map draws it "
                      "from vector tiles)")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    data: DataOption = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes (every backend: the embedded "
                                                     "files, SQLite, PostGIS)")] = 1,
    timeout_keep_alive: Annotated[int, typer.Option(min=1, help="seconds an idle keep-alive connection stays "
                                                    "open (behind a reverse proxy: more than the proxy's)")] = 5,
) -> None:
    """Serve the OGC API - Features (and HTML pages) with uvicorn, from ``--workers`` processes.

    Every worker builds the app from the same ``GEO_INDUSTRY_*`` settings (the app factory runs in
    each process) and opens its own store; the backends in ``MULTI_PROCESS_BACKENDS`` share their data.
    """
    import os

    import uvicorn

    if data is not None:
        if not (data / "geo" / "catalog.json").exists():
            err_console.print(f"[red]error:[/red] {data}: no geo/catalog.json there")
            raise typer.Exit(EXIT_USAGE)
        os.environ["GEO_INDUSTRY_DATA_DIR"] = str(data.resolve())  # read by Settings() in every worker
    if workers > 1:
        _prepare_workers(_settings(data), workers)
    uvicorn.run("geo_industry.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", timeout_keep_alive=timeout_keep_alive)


def _prepare_workers(settings: Settings, workers: int) -> None:
    """Refuse a backend that cannot be shared by processes; create the shared store once."""
    if settings.store_backend not in MULTI_PROCESS_BACKENDS:
        err_console.print(f"[red]error:[/red] --workers {workers}: the {settings.store_backend} backend is served "
                          "by one process only; use --workers 1 or one of "
                          + ", ".join(sorted(MULTI_PROCESS_BACKENDS)))
        raise typer.Exit(EXIT_USAGE)
    try:
        prepare_for_processes(settings)
    except GeoIndustryError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_DATA) from None


@app.command()
def openapi(
    target: Annotated[Path, typer.Argument(help="file to write")] = Path("api/openapi.json"),
) -> None:
    """Write the OpenAPI document of the app with default settings (the committed api/openapi.json)."""
    import orjson

    from geo_industry.api.app import create_app

    api = create_app(Settings(_env_file=None))  # type: ignore[call-arg]
    target.write_bytes(orjson.dumps(api.openapi(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")


# editing: API keys, export of the editable store, audit trail (editing) ---------------
keys_app = typer.Typer(help="API keys for writes (stored hashed in the editable store's database: the SQLite "
                       "file, or the PostGIS database with GEO_INDUSTRY_STORE_BACKEND=postgis).",
                       no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@contextmanager
def _api_keys() -> Iterator[KeyStore]:
    """The keys of the configured store: in the database on PostGIS, else in the editable store's file."""
    settings = Settings()
    if settings.store_backend == "postgis":
        from geo_industry.store.postgis.api_keys import PostGISKeys

        with _database() as database:
            yield PostGISKeys(database)
        return
    settings.store_path.parent.mkdir(parents=True, exist_ok=True)
    yield ApiKeys(settings.store_path)


def _editable_store() -> WritableStore:
    settings = Settings()
    if not settings.store_path.exists():
        err_console.print(f"[red]error:[/red] no editable store at {settings.store_path}; start the server once "
                          "with GEO_INDUSTRY_STORE_BACKEND=sqlite (or set GEO_INDUSTRY_STORE_PATH)")
        raise typer.Exit(EXIT_DATA)
    return open_writable_store(settings)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="who holds the key, e.g. doit-statistics-office")],
    scope: Annotated[list[str], typer.Option("--scope", help="features:write, stats:write or layers:write")],
) -> None:
    """Create a key and print its token once (it is stored hashed and cannot be shown again)."""
    try:
        with _api_keys() as keys:
            record, token = keys.create(name, scope)
    except GeoIndustryError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    err_console.print(f"created key {record.id} ({record.name}: {', '.join(record.scopes)}); "
                      "the token below is shown once, keep it secret:")
    print(token)


@keys_app.command("list")
def keys_list() -> None:
    """List the keys: id, name, scopes, created, revoked (never the tokens)."""
    table = Table(title="API keys")
    for column in ("id", "name", "scopes", "created", "revoked"):
        table.add_column(column)
    try:
        with _api_keys() as keys:
            listed = keys.list()
    except GeoIndustryError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_DATA) from None
    for key in listed:
        table.add_row(key.id, key.name, ", ".join(key.scopes), key.created_at, key.revoked_at or "—")
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="the key's id (from keys list)")]) -> None:
    """Revoke a key: its token stops working at once."""
    try:
        with _api_keys() as keys:
            keys.revoke(key_id)
    except GeoIndustryError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    console.print(f"revoked key {key_id}")


@app.command("export-data")
def export_data(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="data folder to write (default: data/)")] = None,
) -> None:
    """Write the editable store back in the data/ layout (geo/*.geojson, catalog.json, CSVs) for review in git."""
    target = output or Settings().data_dir
    written = _editable_store().export_data(target)
    console.print(f"wrote {len(written)} files to {target}; check with `geo-industry validate {target}` "
                  "and review with `git diff`")


@app.command()
def history(
    layer: Annotated[str | None, typer.Option(help="only changes of this layer")] = None,
    feature: Annotated[str | None, typer.Option(help="only changes of this feature (or statistics entity)")] = None,
    limit: Annotated[int, typer.Option(min=1, help="most entries shown")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line, with before and after")] = False,
) -> None:
    """Show the audit trail of the editable store, newest first: who, when, what (before and after)."""
    import json

    entries = _editable_store().history(layer_id=layer, feature_id=feature, limit=limit)
    if as_json:
        for entry in entries:
            print(json.dumps(entry.__dict__, ensure_ascii=False))
        return
    table = Table(title=f"{len(entries)} changes")
    for column in ("seq", "at", "actor", "action", "layer", "feature"):
        table.add_column(column)
    for entry in entries:
        table.add_row(str(entry.seq), entry.at, entry.actor, entry.action, entry.layer_id or "—",
                      entry.feature_id or "—")
    console.print(table)


# db: the PostGIS backend's database -----------------------------------------
db_app = typer.Typer(help="The PostGIS database: create the schema, load data/ into it, export it back, "
                     "keep its tables in spatial order.",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")


@contextmanager
def _database() -> Iterator[Database]:
    """The database the settings name; a bad URL or an unreachable database is one clear message, no traceback."""
    import logging

    import psycopg
    from psycopg_pool import PoolTimeout
    from pydantic import ValidationError

    from geo_industry.store.postgis import Database
    from geo_industry.store.postgis.connections import redact

    try:
        database = Database.from_settings(Settings())
    except (GeoIndustryError, ValidationError) as exc:
        message = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        err_console.print(f"error: {message}", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)  # each failed attempt: the one message below says it
    try:
        with database:
            yield database
    except (psycopg.OperationalError, PoolTimeout) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        url = redact(Settings().database_url.get_secret_value())  # type: ignore[union-attr]
        err_console.print(f"error: cannot use the database {url}: {reason}", highlight=False, markup=False)
        raise typer.Exit(EXIT_DATA) from None


@db_app.command("init")
def db_init() -> None:
    """Create the schema and apply missing migrations (GEO_INDUSTRY_DATABASE_URL); safe to run again."""
    from geo_industry.store.postgis.schema import init_schema, latest_version

    with _database() as database, database.connection() as conn:
        applied = init_schema(conn)
    done = f"applied migrations {', '.join(map(str, applied))}" if applied else "already up to date"
    console.print(f"schema version {latest_version()}: {done}")


@db_app.command("load")
def db_load(data: DataOption = None) -> None:
    """Load the data folder (layers, catalog, statistics, entities, investor facts) into the database."""
    import time

    from rich.progress import Progress

    from geo_industry.store.postgis.loading import load_data

    started = time.perf_counter()
    with _database() as database, Progress(console=console) as bar:
        data_dir = _settings(data).data_dir  # the settings are valid: _database read them
        task = bar.add_task("loading", total=None)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=step)

        try:
            report = load_data(database, data_dir, progress=progress)
        except GeoIndustryError as exc:
            err_console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(EXIT_DATA) from None
    console.print(f"loaded {sum(report.features.values())} features in {len(report.features)} layers, "
                  f"{report.statistics} statistics rows, {report.entities} entities, {report.investor_facts} "
                  f"investor facts from {data_dir} in {time.perf_counter() - started:.1f} s "
                  f"(revision {report.revision})")


@db_app.command("import-keys")
def db_import_keys(
    file: Annotated[Path | None, typer.Argument(
        help="the SQLite store's file holding the keys (default: GEO_INDUSTRY_STORE_PATH)")] = None,
) -> None:
    """Copy the API keys of the SQLite store's file into the database as they are (hashed; revoked ones stay
    revoked), so the tokens issued keep working on PostGIS; safe to run again."""
    from geo_industry.keys import read_key_file
    from geo_industry.store.postgis.api_keys import PostGISKeys

    source = file or Settings().store_path
    try:
        keys = read_key_file(source)
    except GeoIndustryError as exc:
        err_console.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_DATA) from None
    with _database() as database:
        try:
            done = PostGISKeys(database).import_keys(keys)
        except GeoIndustryError as exc:
            err_console.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_DATA) from None
    console.print(f"imported {len(done.imported)} API keys from {source} ({len(done.present)} already in the "
                  "database)", highlight=False, markup=False, soft_wrap=True)
    if done.conflicting:
        err_console.print(f"not imported: the database holds another key under the ids "
                          f"{', '.join(done.conflicting)}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_DATA)


@db_app.command("export")
def db_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="data folder to write")],
) -> None:
    """Write the database back in the data/ layout (geo/*.geojson, catalog.json, CSVs) for review in git."""
    from geo_industry.store.postgis.loading import export_data as export_database

    with _database() as database:
        written = export_database(database, output)
    console.print(f"wrote {len(written)} files to {output}; check with `geo-industry validate {output}` "
                  "and review with `git diff`")


@db_app.command("optimise")
def db_optimise(
    layers: Annotated[list[str] | None, typer.Argument(help="layers to rewrite (default: every layer)")] = None,
) -> None:
    """Rewrite layer tables in spatial order (after many single-feature writes): tiles and bbox pages then
    read fewer disk pages. Each layer is locked (reads wait) while its table is rewritten; safe to run again."""
    import time

    from geo_industry.store.postgis.loading import optimise_layers

    started = time.perf_counter()

    def done(layer_id: str, rows: int) -> None:
        console.print(f"{layer_id}: {rows} rows in spatial order ({time.perf_counter() - started:.1f} s)",
                      highlight=False, markup=False)

    with _database() as database:
        try:
            rows = optimise_layers(database, layers or [], done=done)
        except GeoIndustryError as exc:
            err_console.print(f"error: {exc}", highlight=False, markup=False)
            raise typer.Exit(EXIT_DATA) from None
    console.print(f"optimised {len(rows)} layers in {time.perf_counter() - started:.1f} s")


# analyse: rasters and the zone table (rasters) -----------------------------
@app.command()
def analyse(
    data: DataOption = None,
    dem: Annotated[Path | None, typer.Option("--dem", help="DEM GeoTIFF (any CRS); default GEO_INDUSTRY_DEM_PATH")]
    = None,
    rivers: Annotated[Path | None, typer.Option("--rivers", help="rivers layer: water left out of suitability")] = None,
    boundary: Annotated[Path | None, typer.Option("--boundary", help="area of interest (default: features + 10 km)")]
    = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="folder for rasters/ and the zone table")]
    = Path("analysis"),
) -> None:
    """Build the raster products (COGs) and write the zone table (zones.csv, zones.geojson)."""
    from rich.progress import Progress

    from geo_industry.raster.service import RasterService

    settings = _settings(data)
    store = _store(data)
    service = RasterService(out_dir=output / "rasters", dem_path=dem or settings.dem_path,
                            rivers_path=rivers or settings.rivers_path,
                            boundary_path=boundary or settings.boundary_path)
    try:
        with Progress(console=console) as bar:
            task = bar.add_task("building rasters", total=None)

            def progress(step: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=step)

            service.update(store, progress=progress)
            bar.update(task, description="zone table written")
        table = service.zone_table()
        table.drop(columns="geometry").to_csv(output / "zones.csv", index=False)
        table.to_file(output / "zones.geojson", driver="GeoJSON")
    except GeoIndustryError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    finally:
        service.close()
    if service.terrain_note:
        console.print(f"[yellow]terrain left out:[/yellow] {service.terrain_note}")
    console.print(f"built {len(service.products)} rasters in {output / 'rasters'}; "
                  f"assessed {len(table)} zones: {output / 'zones.csv'}, {output / 'zones.geojson'}")

"""The PostGIS backend's schema: system tables, one table per layer, ordered migrations.

Everything lives in the database schema ``geo_industry``, in EPSG:4326 (CRS84 axis order
lon/lat). :func:`init_schema` applies the migrations a database lacks, in order, under an
advisory lock (two workers starting at once do it once); running it again changes nothing.

A layer's table (:func:`create_layer_table`) has ``id``, ``geom``, one typed column per
declared field of the catalog (what filters, sorts and tiles read), ``properties`` (the
feature's properties as stored, ``jsonb``: export and ETags come from it, with the values of declared lists
and objects taken from their ``json`` columns, whose nested keys keep their order: :func:`with_nested_order`),
``version``, ``etag``
(generated from the stored content) and ``position`` (file order; a feature added later takes the layer's
``catalog.next_position``, which only grows, so a position is never given twice: :func:`take_positions`).
Columns derived from other data (``latest_*`` statistics, the zone analysis) are added by
:func:`geo_industry.store.postgis.loading.refresh_derived` and listed in ``derived_columns``;
``zone_slopes`` keeps the zones' slopes the raster service measured
(:mod:`geo_industry.store.postgis.slopes`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from geo_industry.errors import DataError
from geo_industry.investor_facts import COLUMNS as INVESTOR_FACT_COLUMNS
from geo_industry.models import NAME_FIELDS, LayerMeta

SCHEMA = "geo_industry"
"""The database schema holding every table of the store."""
SRID = 4326
REVISION_CHANNEL = "geo_industry_revision"
"""The channel every committed write notifies with the new revision."""
FIELD_TYPES: dict[str, str] = {
    "string": "text", "integer": "bigint", "number": "double precision", "boolean": "boolean",
    "array": "json", "object": "json",
}
"""Catalog field type → column type. Lists and objects are ``json``, which keeps their text as given (the keys
of nested objects in their order); ``jsonb`` would sort them."""
SYSTEM_COLUMNS = ("id", "geom", "properties", "version", "etag", "position")
"""Columns of every layer table that are not declared fields."""
STATISTICS_COLUMNS: dict[str, str] = {
    "indicator": "text NOT NULL", "entity": "text NOT NULL", "year": "integer", "period": "text NOT NULL",
    "value": "double precision", "unit": "text NOT NULL", "basis": "text NOT NULL",
    "price_basis": "text NOT NULL", "source": "text NOT NULL", "note": "text NOT NULL",
    "derivation": "text NOT NULL DEFAULT ''", "variant": "integer NOT NULL DEFAULT 0",
}
"""The statistics table's columns (those of ``statistics.csv``), typed as the loaders type them."""
ENTITY_COLUMNS = ("entity", "entity_type", "name_vi", "name_en", "admin_code", "admin_vintage", "note")
"""The entities table's columns (those of ``entities.csv``, all text)."""
_LAYER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,62}$")
_SYSTEM_TABLES = frozenset({"schema_migrations", "catalog", "revision", "audit", "statistics", "entities",
                            "investor_facts", "derived_columns", "zone_slopes", "api_keys"})


_PROPERTIES_OBJECT = "CHECK (jsonb_typeof(properties) = 'object')"
"""A layer row's properties are a JSON object: a row written otherwise (by hand, in SQL) is refused, since
every read of its layer would fail on it."""


@dataclass(frozen=True)
class Migration:
    """One step of the schema, applied once and recorded in ``schema_migrations``."""

    version: int
    description: str
    statements: tuple[str, ...]


def _statistics_ddl() -> str:
    columns = ", ".join(f"{name} {kind}" for name, kind in STATISTICS_COLUMNS.items())
    return (f"CREATE TABLE statistics (position integer PRIMARY KEY, {columns}, "
            "UNIQUE NULLS NOT DISTINCT (indicator, entity, year, period, basis, variant))")


_VN2000_TOWGS84 = "-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"
"""EPSG:6960 ("VN-2000 to WGS 84 (2)"), as PostGIS's own rows for EPSG:3405 and EPSG:4756 give it."""
_EPSG_9208_WKT = (
    'PROJCS["VN-2000 / TM-3 104-45",GEOGCS["VN-2000",DATUM["Vietnam_2000",SPHEROID["WGS 84",6378137,'
    f'298.257223563,AUTHORITY["EPSG","7030"]],TOWGS84[{_VN2000_TOWGS84}],AUTHORITY["EPSG","6756"]],'
    'PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AUTHORITY["EPSG","4756"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],'
    'PARAMETER["central_meridian",104.75],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",500000],'
    'PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],'
    'AXIS["Northing",NORTH],AUTHORITY["EPSG","9208"]]')
_EPSG_9208_PROJ4 = (f"+proj=tmerc +lat_0=0 +lon_0=104.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
                    f"+towgs84={_VN2000_TOWGS84} +units=m +no_defs")
_SPATIAL_REF_SYS_9208 = (
    # PostGIS 3.3 ships no row for EPSG:9208 (EPSG 2020). PROJ takes "EPSG:9208" from auth_name/auth_srid;
    # the WKT and PROJ string carry the same Helmert for older PROJ. A role that may not write
    # spatial_ref_sys (the extension created by someone else) leaves it out: the service transforms instead.
    "DO $$ BEGIN INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) VALUES "
    f"(9208, 'EPSG', 9208, '{_EPSG_9208_WKT}', '{_EPSG_9208_PROJ4}') ON CONFLICT (srid) DO NOTHING; "
    "EXCEPTION WHEN insufficient_privilege THEN RAISE NOTICE 'spatial_ref_sys has no EPSG:9208 and this role "
    "cannot add it: responses in EPSG:9208 are transformed by the service'; END $$")


COMBINING_MARKS = "[\\u0300-\\u036f\\u1ab0-\\u1aff\\u1dc0-\\u1dff\\u20d0-\\u20ff\\ufe20-\\ufe2f]"
"""Combining marks (Unicode category Mn) of the Latin, Greek and Cyrillic scripts, which ACCENTI drops (a
PostgreSQL regular expression class)."""
ACCENT_FOLD = "accent_fold"
"""The function of the schema folding accents as CQL2's ACCENTI does (đ/Đ as d/D, combining marks dropped
after NFD, then NFC): IMMUTABLE, so an expression index can hold what a filter compares."""
_ACCENT_FOLD_DDL = (
    # LANGUAGE sql, no SET clause: the planner inlines the body, in the query and in the index expression alike
    f"CREATE FUNCTION {SCHEMA}.{ACCENT_FOLD}(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
    "RETURN normalize(pg_catalog.regexp_replace(normalize(pg_catalog.translate($1, 'đĐ', 'dD'), NFD), "
    f"'{COMBINING_MARKS}', '', 'g'), NFC)")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "catalog, revision, audit, statistics, entities, investor facts, derived columns", (
        "CREATE TABLE catalog (layer_id text PRIMARY KEY, position integer NOT NULL, meta jsonb NOT NULL, "
        "meta_text text, property_order text[] NOT NULL DEFAULT '{}')",
        "CREATE TABLE revision (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), value bigint NOT NULL)",
        "INSERT INTO revision (value) VALUES (0)",
        "CREATE TABLE audit (seq bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), actor text NOT NULL, "
        "action text NOT NULL, layer_id text, feature_id text, before jsonb, after jsonb)",
        "CREATE INDEX audit_feature ON audit (layer_id, feature_id)",
        _statistics_ddl(),
        "CREATE INDEX statistics_entity ON statistics (entity)",
        "CREATE TABLE entities (position integer PRIMARY KEY, "
        + ", ".join(f"{c} text NOT NULL" + (" UNIQUE" if c == "entity" else " DEFAULT ''") for c in ENTITY_COLUMNS)
        + ")",
        "CREATE TABLE investor_facts (position integer PRIMARY KEY, "
        + ", ".join(f"{c} text NOT NULL DEFAULT ''" for c in INVESTOR_FACT_COLUMNS) + ")",
        "CREATE TABLE derived_columns (layer_id text NOT NULL REFERENCES catalog ON DELETE CASCADE, "
        "name text NOT NULL, json_type text NOT NULL, position integer NOT NULL, PRIMARY KEY (layer_id, name))",
    )),
    Migration(2, "layer tables refuse properties that are not a JSON object (rows every read would fail on)", (
        "DO $$ DECLARE layer record; BEGIN FOR layer IN SELECT layer_id FROM catalog LOOP "
        "IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'properties_object' "
        "AND conrelid = format('%I.%I', 'geo_industry', layer.layer_id)::regclass) THEN "
        "EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT properties_object " + _PROPERTIES_OBJECT.replace("'", "''")
        + " NOT VALID', 'geo_industry', layer.layer_id); END IF; END LOOP; END $$",
    )),
    Migration(3, "the revision the statistics records' inputs last changed at (statistics_revision)", (
        "ALTER TABLE revision ADD COLUMN statistics_revision bigint",
        "UPDATE revision SET statistics_revision = value",
        "ALTER TABLE revision ALTER COLUMN statistics_revision SET NOT NULL",
    )),
    Migration(4, "the zones' mean slopes as the raster service measured them (zone_slopes)", (
        "CREATE TABLE zone_slopes (layer_id text NOT NULL, feature_id text NOT NULL, revision bigint NOT NULL, "
        "inputs text NOT NULL, mean_slope_deg double precision, PRIMARY KEY (layer_id, feature_id))",
    )),
    Migration(5, "an edit of the investor facts (by any client, in SQL too) bumps the revision and notifies", (
        "CREATE FUNCTION investor_facts_changed() RETURNS trigger LANGUAGE plpgsql "
        "SET search_path = pg_catalog AS $$ DECLARE bumped bigint; BEGIN "
        f"UPDATE {SCHEMA}.revision SET value = value + 1 RETURNING value INTO bumped; "
        f"PERFORM pg_notify('{REVISION_CHANNEL}', bumped::text); RETURN NULL; END $$",
        "CREATE TRIGGER investor_facts_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON investor_facts "
        "FOR EACH STATEMENT EXECUTE FUNCTION investor_facts_changed()",
    )),
    Migration(6, "EPSG:9208 (VN-2000 / TM-3 104-45) in spatial_ref_sys, so responses in it are transformed "
                 "in the database", (_SPATIAL_REF_SYS_9208,)),
    Migration(7, "API keys in the database, shared by every worker (api_keys; secrets hashed)", (
        "CREATE TABLE api_keys (id text PRIMARY KEY, name text NOT NULL, hash text NOT NULL, "
        "scopes text[] NOT NULL, created_at timestamptz NOT NULL, revoked_at timestamptz)",
    )),
    Migration(8, "ACCENTI as an IMMUTABLE function and pg_trgm, so name searches read a trigram index", (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        _ACCENT_FOLD_DDL,
    )),
    Migration(9, "the trigram index of create_name_indexes on the name fields of layers loaded before it", (
        "DO $$ DECLARE opclass text; name_field record; BEGIN "
        "SELECT n.nspname INTO opclass FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace "
        "WHERE c.opcname = 'gin_trgm_ops'; "
        "FOR name_field IN SELECT DISTINCT catalog.layer_id, columns.column_name FROM catalog "
        "JOIN information_schema.columns columns ON columns.table_schema = '" + SCHEMA + "' "
        "AND columns.table_name = catalog.layer_id AND columns.data_type = 'text' "
        "WHERE columns.column_name IN (" + ", ".join(f"'{name}'" for name in NAME_FIELDS) + ") "
        "AND NOT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = columns.table_schema "
        "AND tablename = columns.table_name AND indexdef LIKE '%gin_trgm_ops%' "
        "AND indexdef LIKE '%(lower(' || columns.column_name || '))%') LOOP "
        "EXECUTE format('CREATE INDEX ON %I.%I USING gin (%I.%I(lower(%I)) %I.gin_trgm_ops)', '" + SCHEMA + "', "
        "name_field.layer_id, '" + SCHEMA + "', '" + ACCENT_FOLD + "', name_field.column_name, opclass); "
        "END LOOP; END $$",
    )),
    Migration(10, "declared list and object fields as json, which keeps nested objects' keys in their order", (
        "DO $$ DECLARE nested record; BEGIN "
        "FOR nested IN SELECT columns.table_name, columns.column_name FROM information_schema.columns columns "
        "JOIN catalog ON catalog.layer_id = columns.table_name WHERE columns.table_schema = '" + SCHEMA + "' "
        "AND columns.data_type = 'jsonb' AND columns.column_name <> 'properties' LOOP "
        "EXECUTE format('ALTER TABLE %I.%I ALTER COLUMN %I TYPE json USING %I::json', '" + SCHEMA + "', "
        "nested.table_name, nested.column_name, nested.column_name); "
        "END LOOP; END $$",
    )),
    Migration(11, "each layer's next feature position (catalog.next_position), never one a deleted feature had", (
        "ALTER TABLE catalog ADD COLUMN next_position bigint NOT NULL DEFAULT 0",
        "DO $$ DECLARE layer record; BEGIN FOR layer IN SELECT layer_id FROM catalog "
        "WHERE to_regclass(format('%I.%I', '" + SCHEMA + "', layer_id)) IS NOT NULL LOOP "
        "EXECUTE format('UPDATE catalog SET next_position = (SELECT coalesce(max(stored.position) + 1, 0) "
        "FROM %I.%I AS stored) WHERE layer_id = %L', '" + SCHEMA + "', layer.layer_id, layer.layer_id); "
        "END LOOP; END $$",
    )),
)
"""Every schema version in order; a new one is appended, never edited once released."""


def check_layer_id(layer_id: str) -> str:
    """``layer_id`` if it can name a layer table; raises :class:`DataError` otherwise."""
    if not _LAYER_ID.match(layer_id) or layer_id in _SYSTEM_TABLES:
        raise DataError(f"layer id '{layer_id[:80]}' cannot name a table: expected 1-63 ascii letters, digits, "
                        f"'.', '_', '~' or '-', not one of {', '.join(sorted(_SYSTEM_TABLES))}")
    return layer_id


def layer_table(layer_id: str) -> sql.Identifier:
    """The quoted, schema-qualified table of a layer (``geo_industry."<layer_id>"``)."""
    return sql.Identifier(SCHEMA, check_layer_id(layer_id))


def table(name: str) -> sql.Identifier:
    """A system table of the store, schema-qualified."""
    assert name in _SYSTEM_TABLES, name
    return sql.Identifier(SCHEMA, name)


def field_columns(meta: LayerMeta) -> dict[str, str]:
    """Declared field → column type of a layer's table (``id`` is the key, not a field column)."""
    out = {}
    for spec in meta.fields:
        if spec.name == "id":
            continue
        if spec.name in SYSTEM_COLUMNS:
            raise DataError(f"layer {meta.id}: field '{spec.name}' has the name of a column every layer table "
                            f"keeps ({', '.join(SYSTEM_COLUMNS)}); rename it")
        out[spec.name] = FIELD_TYPES[spec.type]
    return out


def nested_columns(meta: LayerMeta) -> list[str]:
    """The declared fields of ``meta`` held in ``json`` columns (lists and objects)."""
    return [name for name, kind in field_columns(meta).items() if kind == "json"]


def with_nested_order(properties: dict[str, Any], nested: Mapping[str, Any]) -> dict[str, Any]:
    """``properties`` (as the ``jsonb`` column gives them) with each list or object they hold replaced by
    its value from its ``json`` column (``nested``: column → value), which keeps nested keys in their order;
    the top-level keys stay where they are.

    >>> with_nested_order({"id": "a", "source": {"id": 1, "title": "t"}}, {"source": {"title": "t", "id": 1}})
    {'id': 'a', 'source': {'title': 't', 'id': 1}}
    """
    kept = {name: value for name, value in nested.items() if value is not None and name in properties}
    return {**properties, **kept} if kept else properties


_ETAG = ("md5(id || ':' || version::text || ':' || properties::text || ':' "
         "|| coalesce(encode(ST_AsEWKB(geom), 'hex'), ''))")


def create_layer_table(conn: psycopg.Connection, meta: LayerMeta, *, indexes: bool = True) -> None:
    """Create the table of a layer (``meta`` as served, with every declared field) and, unless told not
    to (a bulk load builds them after filling the table), its indexes."""
    target = layer_table(meta.id)
    columns = [sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind))
               for name, kind in field_columns(meta).items()]
    conn.execute(sql.SQL(
        "CREATE TABLE {} (id text PRIMARY KEY, geom geometry(Geometry, {}), {}"
        "properties jsonb NOT NULL CONSTRAINT properties_object " + _PROPERTIES_OBJECT + ", "
        "version integer NOT NULL DEFAULT 1, etag text NOT NULL GENERATED ALWAYS AS ({}) STORED, "
        "position bigint NOT NULL)"
    ).format(target, sql.Literal(SRID), sql.SQL("").join(c + sql.SQL(", ") for c in columns), sql.SQL(_ETAG)))
    if indexes:
        create_layer_indexes(conn, meta)


def create_layer_indexes(conn: psycopg.Connection, meta: LayerMeta) -> None:
    """The GiST index on ``geom``, a btree on ``position`` (file order) and one on the temporal field."""
    target = layer_table(meta.id)
    conn.execute(sql.SQL("CREATE INDEX ON {} USING gist (geom)").format(target))
    conn.execute(sql.SQL("CREATE INDEX ON {} (position)").format(target))
    if meta.temporal_field and meta.temporal_field in field_columns(meta):
        conn.execute(sql.SQL("CREATE INDEX ON {} ({})").format(target, sql.Identifier(meta.temporal_field)))
    create_name_indexes(conn, meta)


def create_name_indexes(conn: psycopg.Connection, meta: LayerMeta) -> None:
    """A trigram index on each text name field (:data:`~geo_industry.models.NAME_FIELDS`) folded as the
    map's search folds it, ``ACCENTI(CASEI(field))``: its ``LIKE '%word%'`` reads the index, not every row."""
    names = [name for name, kind in field_columns(meta).items() if name in NAME_FIELDS and kind == "text"]
    if not names:
        return
    row = conn.execute("SELECT n.nspname FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace "
                       "WHERE c.opcname = 'gin_trgm_ops'").fetchone()
    if row is None:  # a schema older than the migration creating pg_trgm
        return
    for name in names:
        conn.execute(sql.SQL("CREATE INDEX ON {} USING gin ({}(lower({})) {})").format(
            layer_table(meta.id), sql.Identifier(SCHEMA, ACCENT_FOLD), sql.Identifier(name),
            sql.Identifier(row[0], "gin_trgm_ops")))


def drop_layer_table(conn: psycopg.Connection, layer_id: str) -> None:
    """Drop a layer's table if it exists."""
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(layer_table(layer_id)))


def applied_versions(conn: psycopg.Connection) -> list[int]:
    """Schema versions recorded in the database (empty before :func:`init_schema`)."""
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{SCHEMA}.schema_migrations",)).fetchone()
    if not exists or not exists[0]:
        return []
    rows = conn.execute(sql.SQL("SELECT version FROM {} ORDER BY version").format(
        sql.Identifier(SCHEMA, "schema_migrations"))).fetchall()
    return [row[0] for row in rows]


def init_schema(conn: psycopg.Connection) -> list[int]:
    """Create the schema and apply the migrations it lacks, in one transaction; returns those applied.

    Idempotent: a database already at the latest version is left as it is.
    """
    applied: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (SCHEMA,))
        present = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone()
        if not present:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))
        conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (version integer PRIMARY KEY, "
                             "applied_at timestamptz NOT NULL DEFAULT now())").format(
            sql.Identifier(SCHEMA, "schema_migrations")))
        done = set(applied_versions(conn))
        conn.execute(sql.SQL("SET LOCAL search_path TO {}, public").format(sql.Identifier(SCHEMA)))
        for migration in MIGRATIONS:
            if migration.version in done:
                continue
            for statement in migration.statements:
                conn.execute(statement)  # type: ignore[arg-type]  # constant DDL of this module
            conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (migration.version,))
            applied.append(migration.version)
    return applied


def latest_version() -> int:
    """The schema version this code expects."""
    return MIGRATIONS[-1].version


def bump_revision(conn: psycopg.Connection, *, statistics: bool = True) -> int:
    """Add one to the revision and notify listeners, in the caller's transaction; returns the new value.

    ``statistics``: whether the write changed what the statistics records are built from (see
    :meth:`geo_industry.store.base.BulkReader.statistics_revision`); then ``statistics_revision``
    moves to the new revision too.
    """
    row = conn.execute(sql.SQL(
        "UPDATE {} SET value = value + 1, "
        "statistics_revision = CASE WHEN %s THEN value + 1 ELSE statistics_revision END RETURNING value"
    ).format(table("revision")), (statistics,)).fetchone()
    assert row is not None, "the revision row is missing: run `geo-industry db init`"
    conn.execute("SELECT pg_notify(%s, %s)", (REVISION_CHANNEL, str(row[0])))
    return int(row[0])


def take_positions(conn: psycopg.Connection, layer_id: str, count: int) -> int:
    """The first of ``count`` new positions of a layer's features, in the caller's transaction: they follow every
    position the layer holds or ever gave (a deleted feature's is never given again, so a seek key of it hides no
    later feature). The layer's catalog row stays locked until the transaction ends: concurrent writers take
    distinct, increasing positions. A layer loaded or uploaded since (positions in file order, mark left
    behind) starts after its rows."""
    row = conn.execute(sql.SQL(
        "UPDATE {} SET next_position = greatest(next_position, (SELECT coalesce(max(stored.position) + 1, 0) "
        "FROM {} AS stored)) + %s WHERE layer_id = %s RETURNING next_position - %s"
    ).format(table("catalog"), layer_table(layer_id)), (count, layer_id, count)).fetchone()
    if row is None:
        raise DataError(f"no catalog entry for layer '{layer_id}'")
    return int(row[0])

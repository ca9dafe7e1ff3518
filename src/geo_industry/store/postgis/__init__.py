"""The PostGIS backend: the store in a PostgreSQL/PostGIS database (schema, loading, reads, writes)."""

from geo_industry.store.postgis.connections import Database
from geo_industry.store.postgis.reader import PostGISReader
from geo_industry.store.postgis.schema import init_schema
from geo_industry.store.postgis.store import PostGISStore

__all__ = ["Database", "PostGISReader", "PostGISStore", "init_schema"]

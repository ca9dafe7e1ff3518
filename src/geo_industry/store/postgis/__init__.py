"""The PostGIS backend: the store in a PostgreSQL/PostGIS database (schema, loading, reads)."""

from geo_industry.store.postgis.connections import Database
from geo_industry.store.postgis.reader import PostGISReader
from geo_industry.store.postgis.schema import init_schema

__all__ = ["Database", "PostGISReader", "init_schema"]

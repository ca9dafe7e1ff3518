"""The web layer: OGC API - Features over the core (a thin FastAPI adapter)."""

from geo_industry.api.app import create_app

__all__ = ["create_app"]

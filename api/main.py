"""The deployable ASGI entry: ``uvicorn api.main:app`` (settings from ``GEO_INDUSTRY_*``)."""

from geo_industry.api import create_app
from geo_industry.settings import Settings

app = create_app(Settings())

"""Media types and the response classes that carry them (bytes already encoded with orjson)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from geo_industry import json_values

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
SCHEMA_JSON = "application/schema+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"

_ORJSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def dumps(content: Any) -> bytes:
    """Encode ``content`` with orjson (numpy scalars and arrays allowed)."""
    return json_values.dumps(content, option=_ORJSON_OPTIONS, what="the response")


class JSONResponse(Response):
    """JSON from orjson; ``bytes`` content is sent as is (pre-encoded fragments)."""

    media_type = JSON

    def render(self, content: Any) -> bytes:
        """Encode the content unless it already is bytes."""
        return content if isinstance(content, bytes) else dumps(content)


class GeoJSONResponse(JSONResponse):
    """GeoJSON (RFC 7946 media type)."""

    media_type = GEOJSON


class SchemaJSONResponse(JSONResponse):
    """A JSON Schema document (queryables)."""

    media_type = SCHEMA_JSON


class OpenAPIResponse(JSONResponse):
    """The OpenAPI 3.0 definition."""

    media_type = OPENAPI_JSON

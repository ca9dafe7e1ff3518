"""HTTP mapping of errors: one table from error class to status and OGC exception code.

Bodies follow the OGC exception schema, ``{"code": ..., "description": ...}``. Invalid and
unknown query parameters get 400 (OGC API - Features ``/req/core/query-param-invalid``), so
FastAPI's 422 for validation errors is remapped here. 5xx are logged with their traceback,
4xx are not.

A database that cannot answer (connection lost, server restarting, no pooled connection free in
time, a statement past the request budget: psycopg's ``OperationalError`` and the pool's
``PoolTimeout``, which is one) is a 503 with ``Retry-After``: the pool reconnects when the
database is back, so the client's retry succeeds. An outage is logged as one line when it starts
and one line per interval with the count of requests it failed (:mod:`geo_industry.api.outage_log`),
not one line per request.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from psycopg import OperationalError
from psycopg.errors import QueryCanceled
from starlette.exceptions import HTTPException
from starlette.responses import Response

from geo_industry.api.outage_log import OutageLog
from geo_industry.api.responses import JSONResponse
from geo_industry.errors import (
    BudgetExceeded,
    CollectionNotFound,
    Conflict,
    DataError,
    ExportError,
    FeatureNotFound,
    GeoIndustryError,
    InvalidFeature,
    InvalidParameter,
    InvalidUpload,
    LimitExceeded,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    UnknownParameter,
)
from geo_industry.raster.errors import (
    EmptyZoneError,
    PointOutsideRasterError,
    RasterError,
    TileOutsideBoundsError,
    UnknownProductError,
    UnknownProfileError,
)

logger = logging.getLogger(__name__)
_outages = OutageLog(logger)


class NotAcceptable(GeoIndustryError):
    """The client asked (``f=`` or ``Accept``) for a representation this resource does not offer."""

    def __init__(self, parameter: str, value: str, offered: tuple[str, ...]) -> None:
        self.parameter, self.value, self.offered = parameter, value, offered
        super().__init__(f"unsupported {parameter}={value!r}: this resource is offered as "
                         + ", ".join(offered))


class UnsupportedMediaType(GeoIndustryError):
    """A request body of a media type (``Content-Type``) the operation does not take."""


class MalformedBody(GeoIndustryError):
    """A request body that cannot be parsed (not JSON, not CSV, not a form)."""


class PreconditionRequired(GeoIndustryError):
    """A replace, update or delete sent without ``If-Match`` (lost updates are refused, not risked)."""


#: error class → (HTTP status, OGC exception code); the most specific class wins.
STATUS_CODES: dict[type[Exception], tuple[int, str]] = {
    CollectionNotFound: (404, "NotFound"),
    FeatureNotFound: (404, "NotFound"),
    NotFound: (404, "NotFound"),
    UnknownParameter: (400, "InvalidParameterValue"),
    InvalidParameter: (400, "InvalidParameterValue"),
    NotAcceptable: (406, "NotAcceptable"),
    # writes (editing): bodies, credentials, preconditions, limits
    MalformedBody: (400, "InvalidRequestBody"),
    NotAuthenticated: (401, "NotAuthenticated"),
    PermissionDenied: (403, "PermissionDenied"),
    Conflict: (409, "Conflict"),
    PreconditionFailed: (412, "PreconditionFailed"),
    LimitExceeded: (413, "LimitExceeded"),
    UnsupportedMediaType: (415, "UnsupportedMediaType"),
    InvalidUpload: (400, "InvalidUpload"),
    InvalidFeature: (422, "InvalidFeature"),
    PreconditionRequired: (428, "PreconditionRequired"),
    BudgetExceeded: (503, "ServiceUnavailable"),
    # rasters (a terrain product without a DEM is an UnknownProductError whose message says how to add one)
    UnknownProductError: (404, "NotFound"),
    TileOutsideBoundsError: (404, "NotFound"),
    PointOutsideRasterError: (400, "InvalidParameterValue"),
    UnknownProfileError: (400, "InvalidParameterValue"),
    EmptyZoneError: (400, "InvalidParameterValue"),
    RasterError: (500, "NoApplicableCode"),
    DataError: (500, "NoApplicableCode"),
    ExportError: (500, "NoApplicableCode"),
    GeoIndustryError: (500, "NoApplicableCode"),
}
_HTTP_CODES = {404: "NotFound", 405: "MethodNotAllowed", 406: "NotAcceptable"}
_NO_STORE = {"Cache-Control": "no-store"}
#: the bearer challenge (RFC 6750) sent with 401 and 403
_CHALLENGES = {401: {"WWW-Authenticate": 'Bearer realm="geo-industry"'},
               403: {"WWW-Authenticate": 'Bearer realm="geo-industry", error="insufficient_scope"'},
               503: {"Retry-After": "5"}}  # not a challenge: when to retry a request past its time budget


#: what a client is told when the database cannot answer (never the driver's text: it names hosts)
DATABASE_UNAVAILABLE = "the database is not reachable at the moment; retry in a few seconds"
DATABASE_TOO_SLOW = "the database did not answer within this request's time budget; retry later or ask for less"


def exception_response(status: int, code: str, description: str,
                       headers: dict[str, str] | None = None) -> Response:
    """An OGC exception document with ``status``."""
    return JSONResponse({"code": code, "description": description}, status_code=status,
                        headers={**_NO_STORE, **(headers or {})})


async def _domain_error(request: Request, exc: Exception) -> Response:
    status, code = next(STATUS_CODES[cls] for cls in type(exc).__mro__ if cls in STATUS_CODES)
    if status >= 500 and not isinstance(exc, BudgetExceeded):
        logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return exception_response(status, code, "the server could not answer this request")
    return exception_response(status, code, str(exc), _CHALLENGES.get(status))


def _describe_validation(error: dict[str, Any]) -> str:
    location = [str(part) for part in error.get("loc", ()) if part not in ("query", "path", "header")]
    name = ".".join(location) or "request"
    expected = str(error.get("msg", "a valid value"))
    for prefix in ("Input should be ", "Value error, "):
        expected = expected.removeprefix(prefix)
    value = error.get("input")
    if error.get("type") == "missing":
        return f"missing {name}: expected a value"
    return f"invalid {name}={value!r}: expected {expected}"


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    description = "; ".join(_describe_validation(error) for error in exc.errors())
    return exception_response(400, "InvalidParameterValue", description)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "NoApplicableCode")
    description = exc.detail if isinstance(exc.detail, str) else code
    if exc.status_code == 404:
        description = f"no resource at {request.url.path}"
    return exception_response(exc.status_code, code, description, dict(exc.headers or {}))


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    _outages.failed(f"{request.method} {request.url.path}", f"{type(exc).__name__}: {first_line}")
    description = DATABASE_TOO_SLOW if isinstance(exc, QueryCanceled) else DATABASE_UNAVAILABLE
    return exception_response(503, "ServiceUnavailable", description, _CHALLENGES[503])


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, OperationalError):  # raised outside the routes (a middleware asking for the revision)
        return await _database_unavailable(request, exc)
    logger.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return exception_response(500, "NoApplicableCode", "the server could not answer this request")


def add_exception_handlers(app: FastAPI) -> None:
    """Register the handlers: domain errors from :data:`STATUS_CODES`, validation, HTTP, the rest."""
    for cls in STATUS_CODES:
        app.add_exception_handler(cls, _domain_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)

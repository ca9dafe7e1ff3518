"""Hostile-input limits on request bodies: size, media type, JSON, CSV, forms.

:class:`BodyLimitMiddleware` caps every write request's body: a declared ``Content-Length``
above the cap is answered 413 before anything is read, and a body streamed without one is
counted as it arrives and refused (413) once it passes the cap, so no handler ever holds more
than the cap in memory. Layer uploads (``POST /collections``) get ``max_upload_bytes``, every
other write ``max_body_bytes``.

The readers below check the ``Content-Type`` (415 when the operation does not take it) and
parse the body (400 when it is not what it claims to be). Counts inside bodies (features,
vertices, statistics rows, archive members) are checked by the core, which raises
:class:`~geo_industry.errors.LimitExceeded` (413).

:func:`run_bounded` runs the heavy work of a read (filter parsing and evaluation, pages,
downloads, rasters) off the event loop, in bounded pools of worker threads
(:class:`~geo_industry.api.pools.WorkPools`), within the request time budget (``GEO_INDUSTRY_REQUEST_BUDGET_S``):
past it the client gets 503 at once and the abandoned worker stops at its next
:func:`~geo_industry.budget.check_deadline`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
from anyio import to_thread
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from geo_industry.api.errors import MalformedBody, UnsupportedMediaType, exception_response
from geo_industry.api.pools import WorkPools as WorkPools  # re-exported: limits is where callers look
from geo_industry.api.state import state_of
from geo_industry.budget import deadline
from geo_industry.errors import BudgetExceeded, LimitExceeded
from geo_industry.json_values import load_json
from geo_industry.validate import json_depth

T = TypeVar("T")

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UPLOAD_PATHS = frozenset({"/collections"})
CSV = "text/csv"
MERGE_PATCH = "application/merge-patch+json"
MULTIPART = "multipart/form-data"


async def run_bounded(request: Request, func: Callable[..., T], *args: Any, in_database: bool = False,
                      **kwargs: Any) -> T:
    """``func(*args, **kwargs)`` in a worker thread within the request budget; 503 past it.

    Waiting for a free worker counts against the budget, so a burst of heavy requests is
    answered 503 instead of queueing without end, and the event loop stays free for the rest.
    ``in_database``: the work is done by the database while the thread waits (its own pool, as
    large as the database pool: :class:`~geo_industry.api.pools.WorkPools`).
    """
    state = state_of(request.app)
    budget = float(state.settings.request_budget_s)
    pool = state.work_pools.for_request(request, in_database=in_database)

    def bounded() -> T:
        with deadline(budget):
            return func(*args, **kwargs)

    with anyio.move_on_after(budget):
        return await to_thread.run_sync(bounded, abandon_on_cancel=True, limiter=pool)
    raise BudgetExceeded(budget)


def _body_too_large(limit: int) -> LimitExceeded:
    return LimitExceeded("the request body (bytes)", f"over {limit}", limit)


class BodyLimitMiddleware:
    """Refuse write requests whose body is larger than the configured cap (413)."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    def _limit(self, scope: Scope) -> int:
        upload = scope["method"] == "POST" and scope["path"].rstrip("/") in UPLOAD_PATHS
        return self.max_upload_bytes if upload else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in READ_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                response = exception_response(400, "InvalidRequestBody", f"Content-Length {declared[:40]!r} "
                                              "is not a number of bytes")
                await response(scope, receive, send)
                return
            if int(declared) > limit:
                error = _body_too_large(limit)
                await exception_response(413, "LimitExceeded", str(error))(scope, receive, send)
                return
        received = 0

        async def capped_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _body_too_large(limit)
            return message

        await self.app(scope, capped_receive, send)


def media_type(request: Request) -> str:
    """The request's media type without parameters, lower case ('' when absent)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def require_media_type(request: Request, accepted: tuple[str, ...]) -> str:
    """The request's media type if the operation takes it; :class:`UnsupportedMediaType` (415) otherwise."""
    kind = media_type(request)
    if kind not in accepted:
        raise UnsupportedMediaType(f"Content-Type {kind or '(none)'!r} is not accepted here; send "
                                   + " or ".join(accepted))
    return kind


async def json_body(request: Request, accepted: tuple[str, ...]) -> Any:
    """The parsed JSON body of a request sent as one of the ``accepted`` media types."""
    require_media_type(request, accepted)
    body = await request.body()
    try:
        document = load_json(body, finite=True)  # big integers as written, for the validation to name them
    except ValueError as exc:
        raise MalformedBody(f"the body is not valid JSON: {exc}") from None
    check_json_depth(document, state_of(request.app).settings.max_json_depth, what="the body")
    return document


def check_json_depth(document: Any, limit: int, *, what: str) -> None:
    """Refuse (400) a JSON document nested deeper than ``limit`` (counted without recursion)."""
    if json_depth(document, stop_after=limit) > limit:
        raise MalformedBody(f"{what} nests arrays/objects more than {limit} levels deep "
                            "(setting max_json_depth)")


async def csv_rows(request: Request) -> list[dict[str, Any]]:
    """The rows of a CSV body (UTF-8, header line first)."""
    body = await request.body()
    try:
        text = body.decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise MalformedBody(f"the body is not UTF-8 CSV: {exc}") from None
    if reader.fieldnames is None:
        raise MalformedBody("the CSV body is empty: expected a header line and rows")
    for number, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise MalformedBody(f"CSV line {number} has {'more' if None in row else 'fewer'} cells than the header")
    return rows

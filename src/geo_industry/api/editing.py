"""Editing switched on: the write routes, their conformance classes, body limits and write CORS.

``create_app`` calls :func:`install_editing` only when ``settings.editing`` is true, so a
read-only deployment has no write route, declares no Part 4 class and pays nothing for it.

CORS for writes is its own policy: ``settings.cors_write_origins`` may send POST, PUT, PATCH
and DELETE (with ``Authorization``, ``Content-Type`` and ``If-Match``); the read policy
(``settings.cors_origins``) never covers them. Write requests and their preflights are handled
by :class:`WriteCORSMiddleware`; everything else goes on to the read policy unchanged.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from geo_industry.api.limits import BodyLimitMiddleware
from geo_industry.api.routes import transactions
from geo_industry.api.state import state_of
from geo_industry.keys import ApiKeys
from geo_industry.settings import Settings

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
WRITE_HEADERS = ("Authorization", "Content-Type", "If-Match")


def _is_write(scope: Scope) -> bool:
    method = scope["method"]
    if method == "OPTIONS":
        return Headers(scope=scope).get("access-control-request-method", "").upper() in WRITE_METHODS
    return method in WRITE_METHODS


class _WithoutOrigin:
    """Pass a request on without its Origin header, so the read CORS policy leaves it alone."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(name, value) for name, value in scope["headers"] if name != b"origin"]
        await self.app({**scope, "headers": headers}, receive, send)


class WriteCORSMiddleware:
    """CORS for write methods, restricted to ``origins``; other requests go to ``app`` untouched."""

    def __init__(self, app: ASGIApp, *, origins: list[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(_WithoutOrigin(app), allow_origins=origins, allow_methods=list(WRITE_METHODS),
                                   allow_headers=list(WRITE_HEADERS), expose_headers=["ETag", "Location"],
                                   max_age=600)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _is_write(scope):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install_editing(app: FastAPI, settings: Settings) -> None:
    """Add the write routes, Part 4 conformance, body limits and write CORS to ``app``."""
    state = state_of(app)
    state.api_keys = ApiKeys(settings.store_path)
    app.include_router(transactions.router)
    state.conformance = list(dict.fromkeys([*state.conformance, *transactions.CONFORMS_TO]))
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes,
                       max_upload_bytes=settings.max_upload_bytes)
    app.add_middleware(WriteCORSMiddleware, origins=settings.cors_write_origins)

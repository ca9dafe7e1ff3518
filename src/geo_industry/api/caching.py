"""Strong ETags, ``304 Not Modified`` and ``Cache-Control`` for successful GETs (pure ASGI).

Placed outside gzip, so the ETag is computed over the bytes actually sent: the gzip and the
identity representation get different strong validators, as RFC 9110 asks. ``Vary`` names
the request headers that select a representation.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_CACHE_CONTROL = "public, max-age=60"
VARY = ("Accept", "Accept-Language")
_DROP_ON_304 = ("content-length", "content-type", "content-encoding", "content-disposition")


def strong_etag(body: bytes) -> str:
    """A strong validator: a hash of the exact bytes."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = [c.strip() for c in if_none_match.split(",")]
    return "*" in candidates or etag in candidates or f"W/{etag}" in candidates


class ConditionalGetMiddleware:
    """Add ETag, Cache-Control and Vary to 200 GET responses; answer 304 when If-None-Match matches."""

    def __init__(self, app: ASGIApp, cache_control: str = DEFAULT_CACHE_CONTROL) -> None:
        self.app = app
        self.cache_control = cache_control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._respond(scope, start, b"".join(chunks), send)
            else:  # pragma: no cover - trailers and other extensions pass through
                await send(message)

        await self.app(scope, receive, capture)

    async def _respond(self, scope: Scope, start: Message, body: bytes, send: Send) -> None:
        headers = MutableHeaders(raw=start.setdefault("headers", []))
        for name in VARY:
            headers.add_vary_header(name)
        if start["status"] != 200:
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        etag = headers.get("etag") or strong_etag(body)
        headers["ETag"] = etag
        if "cache-control" not in headers:
            headers["Cache-Control"] = self.cache_control
        if_none_match = Headers(scope=scope).get("if-none-match")
        if if_none_match and _matches(if_none_match, etag):
            for name in _DROP_ON_304:
                del headers[name]
            await send({**start, "status": 304})
            await send({"type": "http.response.body", "body": b""})
            return
        await send(start)
        await send({"type": "http.response.body", "body": body})

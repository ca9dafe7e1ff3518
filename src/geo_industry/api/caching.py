"""HTTP caching (pure ASGI): strong ETags, ``304 Not Modified``, ``Cache-Control``, a response cache.

``HEAD`` is answered as the ``GET`` of the same URL without its body.

Placed outside gzip, so the ETag is computed over the bytes actually sent: the gzip and the
identity representation get different strong validators, as RFC 9110 asks. ``Vary`` names
the request headers that select a representation.

Successful GET responses are also kept in a bounded in-process cache keyed by everything a
body depends on: scheme, ``Host`` and path (the base of its links), query, the headers that
select a representation and the data version (the store's revision, when it has
one): the data changes only when the store does, so an identical request gets identical bytes
without running the route again. A request with ``Cache-Control: no-cache`` bypasses the
lookup (and refreshes the entry); responses marked ``no-store`` are never kept.

Items pages carry a ``timeStamp`` that must be the time of the response: they are kept as a
:class:`~geo_industry.api.stamping.StampedBody` and stamped as they are sent (compressed here,
cheaply, when the client accepts gzip). Their ETag is weak: the bytes differ by the stamp.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geo_industry.api.stamping import GZIP_MIN_BYTES, MARKER, StampedBody, now_stamp

DEFAULT_CACHE_CONTROL = "public, max-age=60"
VARY = ("Accept", "Accept-Language")
_KEY_HEADERS = (b"host", b"accept", b"accept-language", b"accept-encoding", b"origin")
_DROP_ON_304 = ("content-length", "content-type", "content-encoding", "content-disposition")


def strong_etag(body: bytes) -> str:
    """A strong validator: a hash of the exact bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'  # SHA-256 runs in hardware on x86-64


def _matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2), as If-None-Match asks."""
    opaque = etag.removeprefix("W/")
    candidates = [c.strip().removeprefix("W/") for c in if_none_match.split(",")]
    return "*" in candidates or opaque in candidates


def _without_body(send: Send) -> Send:
    async def head_send(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return head_send


@dataclass(frozen=True)
class _Entry:
    start: Message
    body: bytes
    etag: str
    stamped: StampedBody | None = None

    def render(self) -> tuple[Message, bytes]:
        """The start message and body to send now (stamped bodies get the current time)."""
        if self.stamped is None:
            return self.start, self.body
        body = self.stamped.render(now_stamp())
        headers = MutableHeaders(raw=list(self.start["headers"]))
        headers["Content-Length"] = str(len(body))
        return {**self.start, "headers": headers.raw}, body


def _accepts_gzip(request_headers: Headers) -> bool:
    return "gzip" in request_headers.get("accept-encoding", "").lower()


def _stamped(start: Message, body: bytes, request_headers: Headers) -> StampedBody | None:
    """A stamped body (its marker and placeholder encoding removed from ``start``), else None."""
    headers = MutableHeaders(raw=start.setdefault("headers", []))
    if MARKER not in headers:
        return None
    del headers[MARKER]
    del headers["content-encoding"]
    gzip = _accepts_gzip(request_headers) and len(body) >= GZIP_MIN_BYTES
    if gzip:
        headers["Content-Encoding"] = "gzip"
    headers.add_vary_header("Accept-Encoding")
    return StampedBody.of(body, gzip=gzip)


class ResponseCache:
    """A least-recently-used map of request keys to finished responses, bounded in bytes."""

    def __init__(self, max_bytes: int = 64_000_000, max_body: int = 4_000_000) -> None:
        self.max_bytes, self.max_body = max_bytes, max_body
        self._entries: OrderedDict[tuple[object, ...], _Entry] = OrderedDict()
        self._size = 0

    def get(self, key: tuple[object, ...]) -> _Entry | None:
        """The entry for ``key`` (marked as recently used), if any."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple[object, ...], entry: _Entry) -> None:
        """Keep ``entry`` unless its body is too large; evict the oldest beyond the budget."""
        if len(entry.body) > self.max_body:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._size -= len(old.body)
        self._entries[key] = entry
        self._size += len(entry.body)
        while self._size > self.max_bytes and self._entries:
            _, evicted = self._entries.popitem(last=False)
            self._size -= len(evicted.body)

    def __len__(self) -> int:
        return len(self._entries)


class ConditionalGetMiddleware:
    """ETag, Cache-Control and Vary on 200 GET responses; 304 on a matching If-None-Match; the cache."""

    def __init__(self, app: ASGIApp, cache_control: str = DEFAULT_CACHE_CONTROL,
                 data_version: Callable[[], object] | None = None, cache: ResponseCache | None = None) -> None:
        self.app = app
        self.cache_control = cache_control
        self.data_version = data_version or (lambda: 0)
        self.cache = cache if cache is not None else ResponseCache()

    def _key(self, scope: Scope) -> tuple[object, ...]:
        """Everything a body depends on: the URL as the app sees it (scheme, host, root path, path,
        query: the base of its links), the negotiated headers and the data version."""
        headers = {name: value for name, value in scope["headers"] if name in _KEY_HEADERS}
        return (scope.get("scheme", "http"), scope.get("root_path", ""), scope["path"], scope["query_string"],
                *(headers.get(name) for name in _KEY_HEADERS), self.data_version())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "HEAD":  # the GET response's headers, without its body
            scope = {**scope, "method": "GET"}
            send = _without_body(send)
        request_headers = Headers(scope=scope)
        try:
            key = self._key(scope)
        except Exception:  # the data version is unknown (a database away): the route answers, uncached,
            await self.app(scope, receive, send)  # with the status the error handlers give that error
            return
        if "no-cache" not in request_headers.get("cache-control", ""):
            entry = self.cache.get(key)
            if entry is not None:
                await self._send(entry, request_headers, send)
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
                    await self._finish(key, start, b"".join(chunks), request_headers, send)
            else:  # pragma: no cover - trailers and other extensions pass through
                await send(message)

        await self.app(scope, receive, capture)

    async def _finish(self, key: tuple[object, ...], start: Message, body: bytes, request_headers: Headers,
                      send: Send) -> None:
        headers = MutableHeaders(raw=start.setdefault("headers", []))
        for name in VARY:
            headers.add_vary_header(name)
        stamped = _stamped(start, body, request_headers)
        if start["status"] != 200:
            start, body = _Entry(start, body, "", stamped).render()
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        etag = headers.get("etag") or ("W/" + strong_etag(stamped.template) if stamped else strong_etag(body))
        headers["ETag"] = etag
        if "cache-control" not in headers:
            headers["Cache-Control"] = self.cache_control
        entry = _Entry(start, stamped.head if stamped else body, etag, stamped)
        if "no-store" not in headers["cache-control"]:
            self.cache.put(key, entry)
        await self._send(entry, request_headers, send)

    @staticmethod
    async def _send(entry: _Entry, request_headers: Headers, send: Send) -> None:
        if_none_match = request_headers.get("if-none-match")
        if if_none_match and _matches(if_none_match, entry.etag):
            headers = MutableHeaders(raw=list(entry.start["headers"]))
            for name in _DROP_ON_304:
                del headers[name]
            await send({**entry.start, "status": 304, "headers": headers.raw})
            await send({"type": "http.response.body", "body": b""})
            return
        start, body = entry.render()
        await send(start)
        await send({"type": "http.response.body", "body": body})

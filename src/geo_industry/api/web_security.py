"""Web-facing guards (pure ASGI): trusted ``Host`` values and the security headers of every response.

:class:`TrustedHostMiddleware` runs first of all, before the response cache: a request whose
``Host`` is not in the allow-list (:attr:`Settings.allowed_hosts`) is answered 400 naming the
header, so a forged host never builds links and never reaches (or fills) a cached body.

:class:`SecurityHeadersMiddleware` runs innermost, on the uncompressed body, so what it adds
is cached with the response: ``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy`` on
every response, and on HTML pages a Content-Security-Policy whose ``script-src`` allows the
page's own inline scripts by their SHA-256 hashes (Folium writes its map code inline), never
``'unsafe-inline'``, plus ``frame-ancestors 'none'`` (and ``X-Frame-Options`` for old browsers).
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geo_industry.api.errors import exception_response
from geo_industry.web_safety import content_security_policy, script_sources

REFERRER_POLICY = "strict-origin-when-cross-origin"
_MAX_ECHO = 80


def host_name(host_header: str) -> str:
    """The host of a ``Host`` header value without its port, lower-cased (``[::1]`` keeps brackets)."""
    value = host_header.strip().lower()
    if value.startswith("["):
        return value[: value.find("]") + 1] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class TrustedHostMiddleware:
    """Refuse (400) requests whose ``Host`` is not one of ``allowed`` (``*`` allows any)."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = frozenset(host.lower() for host in allowed)
        self.any = "*" in self.allowed

    def accepts(self, host_header: str | None) -> bool:
        """Whether a request with this ``Host`` header (``None``: none sent) may be served."""
        return self.any or host_header is None or host_name(host_header) in self.allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host")
        if self.accepts(host):
            await self.app(scope, receive, send)
            return
        shown = (host or "")[:_MAX_ECHO]
        response = exception_response(
            400, "InvalidParameterValue",
            f"invalid Host header {shown!r}: expected one of {', '.join(sorted(self.allowed))} "
            "(set GEO_INDUSTRY_TRUSTED_HOSTS or GEO_INDUSTRY_PUBLIC_URL)",
            {"X-Content-Type-Options": "nosniff"})
        await response(scope, receive, send)


class SecurityHeadersMiddleware:
    """``nosniff`` and ``Referrer-Policy`` on every response; CSP with inline-script hashes on HTML."""

    def __init__(self, app: ASGIApp, origins: Iterable[str] = ()) -> None:
        self.app = app
        self.origins = tuple(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def guarded(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                headers = MutableHeaders(raw=start.setdefault("headers", []))
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", REFERRER_POLICY)
                if not headers.get("content-type", "").startswith("text/html"):
                    await send(start)
                    start = {}
                return
            if message["type"] != "http.response.body" or not start:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._send_page(start, b"".join(chunks), send)

        await self.app(scope, receive, guarded)

    async def _send_page(self, start: Message, body: bytes, send: Send) -> None:
        headers = MutableHeaders(raw=start["headers"])
        headers["Content-Security-Policy"] = content_security_policy(script_sources(body), origins=self.origins)
        headers["X-Frame-Options"] = "DENY"
        await send(start)
        await send({"type": "http.response.body", "body": body})

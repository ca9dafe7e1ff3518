"""Absolute URLs and OGC ``links`` built from the request (or ``settings.public_url`` behind a proxy)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request


class Urls:
    """URL builder for one request."""

    def __init__(self, request: Request, public_url: str | None, basemap: str = "offline") -> None:
        self.request = request
        self.basemap = basemap
        self.base = (public_url or str(request.base_url)).rstrip("/")

    def url(self, path: str, **params: Any) -> str:
        """``base + path`` with ``params`` (``None`` values dropped) as the query string."""
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return f"{self.base}{path}" + (f"?{query}" if query else "")

    def current(self, **overrides: Any) -> str:
        """This request's URL with some query parameters replaced (``None`` removes one)."""
        return self.sibling(self.request.url.path, (), **overrides)

    def sibling(self, path: str, drop: tuple[str, ...], **overrides: Any) -> str:
        """``path`` with this request's query parameters, less ``drop``, with ``overrides``."""
        items = [(k, v) for k, v in self.request.query_params.multi_items() if k not in overrides and k not in drop]
        items += [(k, v) for k, v in overrides.items() if v is not None]
        query = urlencode(items)
        return f"{self.base}{path}" + (f"?{query}" if query else "")

    def static(self, path: str) -> str:
        """URL of a packaged static asset (``static/<path>``)."""
        return f"{self.base}/static/{path}"


def link(href: str, rel: str, media_type: str | None = None, title: str | None = None,
         **extra: Any) -> dict[str, Any]:
    """An OGC link object (``href``, ``rel`` and, when known, ``type`` and ``title``)."""
    out: dict[str, Any] = {"href": href, "rel": rel}
    if media_type:
        out["type"] = media_type
    if title:
        out["title"] = title
    out.update(extra)
    return out

"""Content negotiation in one place: ``f=`` wins over ``Accept``; the first offer is the default.

No ``from __future__ import annotations`` here: FastAPI reads the annotations of the
dependencies built in :func:`negotiator` at runtime.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Query, Request

from geo_industry.api.errors import NotAcceptable
from geo_industry.api.responses import GEOJSON, HTML, JSON, OPENAPI_JSON, SCHEMA_JSON


@dataclass(frozen=True)
class Offer:
    """A representation a resource offers: its ``f`` value, its media type, what ``Accept`` matches it."""

    name: str
    media_type: str
    accepts: tuple[str, ...]

    @property
    def is_html(self) -> bool:
        """Whether this is the HTML page."""
        return self.media_type == HTML


JSON_OFFER = Offer("json", JSON, (JSON,))
GEOJSON_OFFER = Offer("json", GEOJSON, (GEOJSON, JSON))
SCHEMA_OFFER = Offer("json", SCHEMA_JSON, (SCHEMA_JSON, JSON))
OPENAPI_OFFER = Offer("json", OPENAPI_JSON, ("application/vnd.oai.openapi+json", JSON))
HTML_OFFER = Offer("html", HTML, (HTML, "application/xhtml+xml"))
#: ``f`` values that name the same offer as another (``geojson`` for the items' ``json``).
F_ALIASES = {"geojson": "json"}


def _accept_entries(header: str) -> list[tuple[str, float]]:
    entries = []
    for index, part in enumerate(header.split(",")):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            entries.append((media.lower(), quality - index * 1e-6))
    return sorted(entries, key=lambda entry: -entry[1])


def _matches(pattern: str, media_type: str) -> bool:
    if pattern in ("*/*", "*"):
        return True
    if pattern.endswith("/*"):
        return media_type.startswith(pattern[:-1])
    return pattern == media_type


def choose(offers: tuple[Offer, ...], f: str | None, accept: str | None) -> Offer:
    """The offer named by ``f``, else the best match of ``Accept``, else the first offer.

    Raises
    ------
    NotAcceptable
        When ``f`` names no offer, or ``Accept`` (when given) matches none.
    """
    names = tuple(dict.fromkeys(o.name for o in offers))
    if f is not None:
        wanted = F_ALIASES.get(f.lower(), f.lower())
        for offer in offers:
            if offer.name == wanted:
                return offer
        raise NotAcceptable("f", f, names)
    if not accept or not accept.strip():
        return offers[0]
    for pattern, quality in _accept_entries(accept):
        if quality <= 0:
            continue
        for offer in offers:
            if any(_matches(pattern, media) for media in offer.accepts):
                return offer
    raise NotAcceptable("Accept", accept, tuple(o.media_type for o in offers))


def negotiator(*offers: Offer) -> Callable[..., Awaitable[Offer]]:
    """A dependency choosing among ``offers`` from ``f`` and ``Accept``."""
    names = list(dict.fromkeys(o.name for o in offers))
    if any(o.media_type == GEOJSON for o in offers):
        names.insert(1, "geojson")
    description = "Response format; overrides the Accept header. One of: " + ", ".join(names)

    async def negotiate(
        request: Request,
        f: Annotated[str | None, Query(description=description, json_schema_extra={"enum": names})] = None,
    ) -> Offer:
        return choose(offers, f, request.headers.get("accept"))

    return negotiate

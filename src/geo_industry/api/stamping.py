"""``timeStamp`` of items pages: the time of the response, stamped on cached bodies as they are sent.

OGC API - Features Part 1 (``/req/core/fc-timeStamp``) wants the time the response was
generated. Pages are built once and served from the response cache, so a route writes
:data:`PLACEHOLDER` (as wide as a real stamp, so ``Content-Length`` holds) as the *last* member
of the document and marks the response with :data:`STAMPED_HEADERS`; the cache
(:mod:`geo_industry.api.caching`) keeps a :class:`StampedBody` and writes the current time into
it for each response.

Compression is done here for such bodies (the marker keeps the generic gzip layer away): the
part before the stamp is deflated once and ended with a full flush, so each response only
deflates the stamp and the few bytes after it and appends the gzip trailer (CRC-32 continued
from the cached part). The work per response is the same for a page of 10 or 10,000 features.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

PLACEHOLDER = "0000-00-00T00:00:00Z"
#: internal response header naming a stamped body (removed before the response leaves the app)
MARKER = "x-geo-industry-stamped"
#: headers of a stamped response: the marker, and an encoding that keeps the gzip middleware away
STAMPED_HEADERS = {MARKER: "1", "Content-Encoding": "identity"}
GZIP_LEVEL = 6
GZIP_MIN_BYTES = 1000
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, no mtime, unknown OS


def now_stamp() -> bytes:
    """The current UTC time as RFC 3339 (seconds), as wide as :data:`PLACEHOLDER`."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()


@dataclass(frozen=True)
class StampedBody:
    """A body with a time stamp to fill in, kept identity or as a gzip prefix."""

    head: bytes
    tail: bytes
    gzip: bool = False
    head_crc: int = 0
    head_size: int = 0

    @classmethod
    def of(cls, body: bytes, *, gzip: bool) -> StampedBody:
        """Split ``body`` at its last placeholder; with ``gzip``, deflate the part before it once."""
        at = body.rfind(PLACEHOLDER.encode())
        if at < 0:
            raise ValueError("a stamped body must contain the timeStamp placeholder")
        head, tail = body[:at], body[at + len(PLACEHOLDER):]
        if not gzip:
            return cls(head, tail)
        deflate = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        prefix = _GZIP_HEADER + deflate.compress(head) + deflate.flush(zlib.Z_FULL_FLUSH)
        return cls(prefix, tail, True, zlib.crc32(head), len(head))

    @property
    def template(self) -> bytes:
        """Bytes identifying the representation apart from its stamp (for the ETag)."""
        return self.head + b"\0" + self.tail

    def render(self, stamp: bytes) -> bytes:
        """The body with ``stamp`` written in (and the gzip member completed)."""
        if not self.gzip:
            return self.head + stamp + self.tail
        rest = stamp + self.tail
        deflate = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        crc = zlib.crc32(rest, self.head_crc)
        size = (self.head_size + len(rest)) & 0xFFFFFFFF
        return self.head + deflate.compress(rest) + deflate.flush() + struct.pack("<II", crc, size)

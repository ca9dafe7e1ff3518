"""Worker thread pools for requests' heavy work (kept on the app's :class:`~geo_industry.api.state.AppState`)."""

from __future__ import annotations

from dataclasses import dataclass

import anyio
from starlette.requests import Request


@dataclass(frozen=True)
class WorkPools:
    """Worker thread pools for requests' heavy work.

    Requests with a CQL2 ``filter`` (whose cost the client chooses) get their own, smaller
    pool, so clients sending costly filters can never take the workers of plain reads.
    """

    plain: anyio.CapacityLimiter
    filtered: anyio.CapacityLimiter

    @classmethod
    def of(cls, workers: int) -> WorkPools:
        """``workers`` threads for plain reads, half as many (at least 1) for filtered ones."""
        return cls(anyio.CapacityLimiter(workers), anyio.CapacityLimiter(max(1, workers // 2)))

    def for_request(self, request: Request) -> anyio.CapacityLimiter:
        """The pool of ``request``'s work."""
        return self.filtered if "filter" in request.query_params else self.plain

"""Worker thread pools for requests' heavy work (kept on the app's :class:`~geo_industry.api.state.AppState`)."""

from __future__ import annotations

from dataclasses import dataclass

import anyio
from starlette.requests import Request


@dataclass(frozen=True)
class WorkPools:
    """Worker thread pools for requests' heavy work.

    Requests with a CQL2 ``filter`` (whose cost the client chooses) get their own, smaller
    pool, so clients sending costly filters can never take the workers of plain reads. Work that
    waits on the database while it runs (a vector tile ``ST_AsMVT`` builds) gets a pool as large as
    the database pool: its threads hold no CPU while they wait, and fewer of them than connections
    would leave connections, and the database's cores, idle (at 4 threads and 10 connections a worker
    served 0.67-0.98x tipg's tiles; at 10 threads 1.27-1.84x, on the same machine and load).
    """

    plain: anyio.CapacityLimiter
    filtered: anyio.CapacityLimiter
    database: anyio.CapacityLimiter

    @classmethod
    def of(cls, workers: int, *, database: int | None = None) -> WorkPools:
        """``workers`` threads for plain reads, half as many (at least 1) for filtered ones, ``database``
        (default ``workers``) for work the database does."""
        return cls(anyio.CapacityLimiter(workers), anyio.CapacityLimiter(max(1, workers // 2)),
                   anyio.CapacityLimiter(database or workers))

    def for_request(self, request: Request, *, in_database: bool = False) -> anyio.CapacityLimiter:
        """The pool of ``request``'s work (``in_database``: work the database does while the thread waits)."""
        if "filter" in request.query_params:
            return self.filtered
        return self.database if in_database else self.plain

"""One log line per database outage and interval, with a count, instead of one per request.

While the database is away every request answers 503; logging each of them would bury the log
(a busy worker answers hundreds a second). :class:`OutageLog` writes the first failure at once,
counts the ones that follow, and every :data:`INTERVAL_S` writes one line with how many requests
failed since and the last cause; an interval without a failure ends the outage, so the next
failure is written at once again. It runs on the event loop (the exception handlers do).
"""

from __future__ import annotations

import asyncio
import logging

#: seconds between the lines of one outage
INTERVAL_S = 10.0


class OutageLog:
    """Rate-limited warnings for requests the database could not answer (one event loop at a time)."""

    def __init__(self, logger: logging.Logger, *, interval_s: float = INTERVAL_S) -> None:
        self.logger, self.interval_s = logger, interval_s
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._count = 0
        self._cause = ""

    def failed(self, request_line: str, cause: str) -> None:
        """Record one request the database could not answer: logged now if it starts an outage, else counted."""
        loop = asyncio.get_running_loop()
        if self._timer is not None and self._loop is loop and not loop.is_closed():
            self._count += 1
            self._cause = cause
            return
        self.logger.warning("%s: database unavailable (%s); answering 503 while it lasts, one line per %.0f s "
                            "with the count", request_line, cause, self.interval_s)
        self._loop, self._count = loop, 0
        self._timer = loop.call_later(self.interval_s, self._flush)

    def _flush(self) -> None:
        if not self._count:  # a whole interval without a failure: the outage is over
            self._timer = None
            return
        self.logger.warning("database unavailable: %d more requests answered 503 in the last %.0f s "
                            "(last: %s)", self._count, self.interval_s, self._cause)
        self._count = 0
        assert self._loop is not None
        self._timer = self._loop.call_later(self.interval_s, self._flush)

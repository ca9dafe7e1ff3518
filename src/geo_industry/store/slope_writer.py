"""Handing the raster service's zone slopes to a store that keeps them, with a bounded retry.

A store that keeps the slopes (:class:`~geo_industry.store.base.SlopeKeeper`: PostGIS) is given a
revision's measurement once the raster service has it. The write can fail for a passing reason (the
database restarting, a lock held past the statement timeout); without a retry the zones would serve
no slope until the next write moved the revision. :class:`SlopeWriter` tries once at once, then
again in a background thread after :data:`RETRY_DELAYS_S` (doubling waits, a few attempts in all),
and gives up early when a newer measurement has been handed over (that one is kept instead) or the
writer is closed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from geo_industry.store.base import SlopeKeeper

logger = logging.getLogger(__name__)

#: the waits before each retry of a failed write, in seconds (then the next revision's write tries again)
RETRY_DELAYS_S = (0.5, 1.0, 2.0, 4.0, 8.0)


class SlopeWriter:
    """Keeps each measurement in its store, retrying a failed write in the background while it is the newest."""

    def __init__(self, retry_delays_s: Sequence[float] = RETRY_DELAYS_S) -> None:
        self.retry_delays_s = tuple(retry_delays_s)
        self.failures = 0
        """Failed writes so far (each attempt counts)."""
        self._newest: int | None = None  # the revision of the newest measurement handed over
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._retrying: threading.Thread | None = None

    def keep(self, store: SlopeKeeper, revision: int, slopes: Sequence[Any]) -> None:
        """Give ``store`` the slopes measured at ``revision``; on failure, retry in the background
        (never raises: the rasters and rankings stand without the kept slopes)."""
        with self._lock:
            if self._newest is not None and revision < self._newest:
                return
            self._newest = revision
        if self._attempt(store, revision, slopes, final=False):
            return
        retrying = threading.Thread(target=self._retry, args=(store, revision, slopes),
                                    name=f"zone-slopes-retry-{revision}", daemon=True)
        with self._lock:
            self._retrying = retrying
        retrying.start()

    def close(self) -> None:
        """Stop retrying (the store is closing); waits for a retry in progress to end."""
        self._closed.set()
        retrying = self._retrying
        if retrying is not None and retrying is not threading.current_thread():
            retrying.join()

    def _retry(self, store: SlopeKeeper, revision: int, slopes: Sequence[Any]) -> None:
        for attempt, delay in enumerate(self.retry_delays_s, start=1):
            if self._closed.wait(delay) or self._newest != revision:
                return  # closed, or a newer measurement was handed over (its own write, and retries, follow)
            if self._attempt(store, revision, slopes, final=attempt == len(self.retry_delays_s)):
                logger.info("the zones' slopes of revision %s were kept on retry %d", revision, attempt)
                return

    def _attempt(self, store: SlopeKeeper, revision: int, slopes: Sequence[Any], *, final: bool) -> bool:
        """One write; whether it went through (a failure is counted and logged)."""
        try:
            store.keep_zone_slopes(revision, slopes)
        except Exception:
            with self._lock:
                self.failures += 1
            if final:
                logger.exception("the zones' slopes of revision %s could not be kept; the next write tries again",
                                 revision)
            else:
                logger.warning("the zones' slopes of revision %s could not be kept; retrying", revision,
                               exc_info=True)
            return False
        return True

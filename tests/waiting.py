"""Waiting for observable state: ask again until the answer is the awaited one, behind a hang guard."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

POLL_INTERVAL_S = 0.02
"""Pause between two asks (a poll interval, never a wait in place of a state)."""


def wait_for(ask: Callable[[], T], done: Callable[[T], bool], *, guard_s: float = 60.0,
             interval_s: float = POLL_INTERVAL_S) -> T:
    """Ask until the answer is ``done``; return that answer (fails past the hang guard ``guard_s``)."""
    deadline = time.monotonic() + guard_s
    while True:
        answer = ask()
        if done(answer):
            return answer
        assert time.monotonic() < deadline, f"still not there after {guard_s} s: {answer!r}"
        time.sleep(interval_s)

"""A time budget for the work one request triggers, checked cooperatively.

The API runs each request's heavy work in a worker thread under :func:`deadline`; long loops
of the core (filter evaluation, LIKE matching) call :func:`check_deadline`, which raises
:class:`~geo_industry.errors.BudgetExceeded` once the budget is spent, so an abandoned worker
stops soon after its request was answered 503. Outside a budget the check does nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from geo_industry.errors import BudgetExceeded

_deadline: ContextVar[float | None] = ContextVar("geo_industry_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Run the enclosed work with ``seconds`` of budget (monotonic clock)."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def check_deadline() -> None:
    """Raise :class:`BudgetExceeded` when the current budget is spent.

    It also yields the interpreter lock (``time.sleep(0)``): a long evaluation then lets the
    event loop and other requests run at each check instead of holding the lock for a whole
    switch interval, so costly filters get the CPU that others leave.
    """
    time.sleep(0)
    limit = _deadline.get()
    if limit is not None and time.monotonic() > limit:
        raise BudgetExceeded()

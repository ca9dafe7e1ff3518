"""The worker's heap after start-up: what it keeps for good is kept out of the cycle collector's way.

A worker imports some 1,800 modules and prepares the store before its first request: about
200,000 objects the cyclic garbage collector tracks and never frees. A full (oldest-generation)
collection walks every one of them; under load one ran every 2-3 s and held the event loop and
every request thread 30-280 ms each time (measured on a PostGIS worker under wrk, 10 connections),
which is where most of the p99 latency came from. :func:`freeze_long_lived` moves what is alive
into the permanent generation (:func:`gc.freeze`), so collections walk only what requests
allocate since. Call it once start-up is done (the app's lifespan) and again when a start-up
build finished in the background (the raster service).

Frozen objects are still freed by reference counting when their last reference goes; only a
reference cycle among them is never collected (what start-up built and is later replaced, once).

The C heap: glibc gives a thread that finds the malloc lock taken an arena of its own, up to eight
per core, and an arena keeps what it freed for its thread. A worker's request, database and raster
threads so held some 20 MB more after a benchmark's bbox and tile requests than with two arenas,
for the same requests per second (PostGIS worker, 10 connections), but with two the embedded app's
requests took 10-20 % more CPU in process (threads waiting on the arenas' locks). So the limit is
a choice (setting ``MALLOC_ARENAS``, default: glibc's own): :func:`limit_malloc_arenas` sets it
(glibc's ``M_ARENA_MAX``) unless ``MALLOC_ARENA_MAX`` in the environment chose one.
"""

from __future__ import annotations

import ctypes
import gc
import os

_M_ARENA_MAX = -8
"""glibc's ``mallopt`` parameter number for the arena limit (malloc.h)."""


def limit_malloc_arenas(arenas: int) -> None:
    """Let glibc's malloc use at most ``arenas`` arenas from now on (call it before the worker starts its
    threads); nothing for 0, when ``MALLOC_ARENA_MAX`` is set (glibc read it) or on another C library."""
    if arenas <= 0 or "MALLOC_ARENA_MAX" in os.environ:
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):  # not glibc's (macOS, Windows): its own allocator's rules
        return
    mallopt(_M_ARENA_MAX, arenas)


def freeze_long_lived() -> None:
    """Collect what start-up left as garbage, then keep every object alive now out of later collections."""
    gc.collect()
    gc.freeze()

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
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    """Collect what start-up left as garbage, then keep every object alive now out of later collections."""
    gc.collect()
    gc.freeze()

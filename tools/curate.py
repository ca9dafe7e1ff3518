#!/usr/bin/env python3
"""Curate the research notes into the project's embedded data.

Usage (from the repository root)::

    .venv/bin/python tools/curate.py --research ../shared/research --out .
    .venv/bin/python tools/curate.py --research ../shared/research --out . --check

Reads ``lao-cai-sites.csv``, ``lao-cai-stats.csv``, ``investor-facts.csv`` and ``zone-outlines.geojson`` from the
research folder and writes (see docs/data-model.md):

* ``data/geo/<layer>.geojson`` for the layers, one feature per CSV row (CSV order);
* ``data/geo/catalog.json`` and ``data/geo/README.md``;
* ``data/statistics.csv``, ``data/entities.csv`` and ``data/investor_facts.csv``;
* a dated section on top of ``data/CHANGES.md`` listing what changed against the committed files
  (not compared by ``--check``: it is the history).

Everything is deterministic: the same research gives byte-identical files.  ``--check``
regenerates in memory, compares with the files under ``--out``, prints a diff and exits 1 when
they differ.  The work is done by the ``curation`` package beside this file.
"""

from __future__ import annotations

import sys

from curation.cli import main  # tools/curation/, beside this file

if __name__ == "__main__":
    sys.exit(main())

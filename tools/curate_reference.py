#!/usr/bin/env python3
"""Build the reference layers of the offline basemap into ``data/reference/``.

Usage (from the repository root)::

    .venv/bin/python tools/curate_reference.py --shared ../shared --out .
    .venv/bin/python tools/curate_reference.py --shared ../shared --out . --check

The work is done by ``curation.reference`` (tools/curation/reference.py), which documents the
sources and what is corrected.
"""

from __future__ import annotations

import sys

from curation.cli import reference_main  # tools/curation/, beside this file

if __name__ == "__main__":
    sys.exit(reference_main())

"""Files that hold secrets or unpublished edits (the store, its WAL and SHM, the API keys) are private.

:func:`create_private` makes such a file readable and writable by its owner only (``0600``)
before anything is written to it. SQLite creates a database's ``-wal`` and ``-shm`` files with
the permissions of the database file, so they are private too.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_MODE = 0o600


def create_private(path: Path) -> None:
    """Create ``path`` (and its folder) empty with mode ``0600`` unless it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_MODE)
    except FileExistsError:
        return
    os.fchmod(descriptor, PRIVATE_MODE)  # whatever the process umask left
    os.close(descriptor)

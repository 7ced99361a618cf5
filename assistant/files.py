"""Input files are checked before they are opened: a FIFO, a device or a directory given where a
file belongs would block a read forever or fail deep inside a parser."""

from __future__ import annotations

import os
import stat
from pathlib import Path

MB = 1024 * 1024


def file_problem(path: Path, max_bytes: int) -> str | None:
    """Why `path` cannot be read as an input file, or None when it is a regular file within
    `max_bytes`. Looks at the file's metadata only, so it never blocks."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "file not found"
    except OSError as exc:
        return f"cannot read the file ({exc.strerror or exc})"
    if stat.S_ISDIR(info.st_mode):
        return "is a directory, not a file"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a pipe, socket or device); give a file"
    if info.st_size > max_bytes:
        return f"file is {info.st_size / MB:.1f} MB; the limit is {max_bytes / MB:g} MB"
    return None


def output_problem(path: Path, *, directory: bool) -> str | None:
    """Why results cannot be written to `path` (a directory for a batch, else a file), or None.
    Checked before any work so a long run never ends in a traceback."""
    target = path if directory else path.parent
    existing = next((p for p in (target, *target.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        return f"{existing} is not a directory" if existing else "no such directory"
    if not os.access(existing, os.W_OK):
        return f"{existing} is not writable"
    if directory and path.exists() and not path.is_dir():
        return "exists and is not a directory"
    if not directory and path.exists() and not path.is_file():
        return "exists and is not a regular file"
    return None

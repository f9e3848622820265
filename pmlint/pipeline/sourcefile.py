"""Reading the files pmlint is given, and the local headers they include, safely."""
from __future__ import annotations

import errno
import os
import stat
import sys

# Far above any real source (Linux 6.12's largest is 24 MB): a path that gives
# more is most likely a device or an endless pipe, and must not exhaust memory.
MAX_SOURCE_BYTES = 256 << 20


def read_source(path: str) -> bytes:
    if path == "-":
        return read_bounded(sys.stdin.buffer)
    with open(path, "rb") as f:
        return read_bounded(f)


def read_bounded(f) -> bytes:
    # Ask for what fstat says is there: asking for the limit would allocate
    # 256 MB for every file (2-3x slower over a tree). A pipe says 0, a
    # growing file too little: they are read on in steps, up to the limit.
    try:
        size = os.fstat(f.fileno()).st_size
    except (OSError, ValueError):
        size = 0
    want = min(size, MAX_SOURCE_BYTES) + 1
    data = f.read(want)
    if len(data) == want:   # more than fstat said (a short read is the end)
        parts, total = [data], len(data)
        while total <= MAX_SOURCE_BYTES and (more := f.read(1 << 16)):
            parts.append(more)
            total += len(more)
        data = b"".join(parts)
    if len(data) > MAX_SOURCE_BYTES:
        raise OSError(errno.EFBIG, f"more than {MAX_SOURCE_BYTES >> 20} MB")
    return data


def read_regular(path: str) -> bytes:
    """A regular file's bytes: a FIFO or a device that an #include names must
    not block or exhaust memory (OSError for them, as for a missing file)."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise OSError(errno.EINVAL, "not a regular file")
    with open(path, "rb") as f:
        return read_bounded(f)

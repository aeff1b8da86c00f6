"""Native heap: large per-frame buffers get mappings of their own, so a long pass stays flat.

glibc serves a request of at least its mmap threshold with a mapping of its own, handed back
to the system on ``free``. The threshold starts at 128 KiB but rises to the size of each mapped
block that is freed (up to 32 MiB), so after the first frames of a pose pass its per-frame
buffers (a decoded and scaled frame, the segmentation mask, MediaPipe's image copies: 0.5-2 MB
each) are carved out of the heap instead. Blocks of several sizes and lifetimes, freed by
several threads' arenas, leave holes the heap keeps, and a process grows with the clip's
length. A fixed threshold (setting it also stops the rise) keeps those buffers mapped.

Notes
-----
Only glibc has this knob; elsewhere nothing is changed. A ``MALLOC_MMAP_THRESHOLD_`` in the
environment (glibc's own setting) is left to win.
"""

from __future__ import annotations

import ctypes
import os

#: Requests of at least this many bytes get a mapping of their own: above the small objects
#: Python and the model allocate by the million, below every per-frame image buffer.
MMAP_THRESHOLD_BYTES = 256 * 1024
_M_MMAP_THRESHOLD = -3  # mallopt parameter number, <malloc.h>


def glibc_version() -> str | None:
    """Return this process's glibc version ("2.36"), or None when the C library is another."""
    try:
        found = os.confstr("CS_GNU_LIBC_VERSION")  # "glibc 2.36"
    except (ValueError, OSError):  # the name is unknown off glibc (macOS, musl)
        return None
    if not found or not found.startswith("glibc "):
        return None
    return found.split()[1]


def fix_mmap_threshold(threshold: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Return True if glibc now maps every request of ``threshold`` bytes or more on its own.

    False when nothing was changed: another C library, or ``MALLOC_MMAP_THRESHOLD_`` set in
    the environment. The setting holds for the rest of the process (and its forks).
    """
    if glibc_version() is None or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, threshold))

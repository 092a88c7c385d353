"""Keep freed memory in the process for reuse (glibc malloc settings).

Evaluating a flowsheet on 1e5 samples allocates many short-lived arrays of 1-30 MB (a row of a
stream is 0.8 MB). By default glibc's malloc hands blocks that large back to the kernel when they
are freed (``mmap`` above ``M_MMAP_THRESHOLD``; the top of the heap is trimmed above
``M_TRIM_THRESHOLD``), so the next array of that size faults each 4 KiB page in again and the
kernel zeroes it: at 1e5 samples the faults cost about as much as the arithmetic (measured:
benchmarks/README.md, "freed memory kept"). Raising both thresholds lets malloc reuse the
freed pages instead (mallopt(3); the glibc manual, "Memory Allocation Tunables").

The cost is that up to :data:`TRIM_THRESHOLD` bytes of freed heap stay resident until the
process exits, and blocks below :data:`MMAP_THRESHOLD` are carved from the heap rather than
mapped apart. Set the environment variable ``REDMUD_KEEP_FREED_MEMORY=0`` before importing
redmud to keep glibc's defaults. On other C libraries (macOS, Windows, musl) nothing is changed.
"""

from __future__ import annotations

import ctypes
import os

#: mallopt(3) parameter numbers, from glibc's malloc.h.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: Blocks up to this size come from the heap: 32 MiB, glibc's largest allowed value on 64-bit
#: (DEFAULT_MMAP_THRESHOLD_MAX), which covers a 39-row stream phase of 1e5 samples.
MMAP_THRESHOLD = 32 * 1024 * 1024
#: Freed memory at the top of the heap is handed back only beyond this much [bytes]. A chosen
#: bound, not a measured optimum: above the ~0.1-0.5 GB a 1e5-sample operation frees at once
#: (benchmarks/README.md), small beside the 16 GB memory budget of a 1e6-sample run.
TRIM_THRESHOLD = 512 * 1024 * 1024


def _is_glibc() -> bool:
    """Whether the C library is glibc (it names its version through confstr; others do not)."""
    try:
        return (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    except (ValueError, OSError, AttributeError):
        return False


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds (see the module docstring); True if applied.

    Called once when redmud is imported; a no-op (False) when ``REDMUD_KEEP_FREED_MEMORY=0``
    or when the C library is not glibc.
    """
    if os.environ.get("REDMUD_KEEP_FREED_MEMORY", "1") == "0" or not _is_glibc():
        return False
    try:
        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                    and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    except (OSError, AttributeError):
        return False

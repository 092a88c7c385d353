"""Keep freed memory for reuse in processes that evaluate chunk after chunk.

A chunk of 8,192 samples works on streams of ~11 MB each, allocated and freed thousands of times.
glibc's malloc serves blocks above its mmap threshold straight from the kernel and gives freed
heap back once more than its trim threshold is free; every such block must then be faulted in
and zeroed again by the kernel. In a Dask worker (tasks run in a thread, so in a thread arena of
64 MB heaps) this took more system time than the model itself: a 1e6-sample run on two workers
spent 1,522 s in the kernel against 1,211 s in Python, with 4e8 page faults. Raising both
thresholds (mallopt(3): M_MMAP_THRESHOLD up to its 32 MB maximum on 64-bit, M_TRIM_THRESHOLD to
1 GB) keeps the blocks in the process for reuse. The process then holds on to its peak memory,
which a chunked run reaches anyway. Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

#: mallopt(3) parameter numbers (glibc malloc.h).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024          # DEFAULT_MMAP_THRESHOLD_MAX on 64-bit glibc
TRIM_THRESHOLD_BYTES = 1024 * 1024 * 1024

_done = False


def keep_freed_memory() -> bool:
    """Set the thresholds once per process; True where glibc accepted them."""
    global _done
    if _done:
        return True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _done = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
    return _done

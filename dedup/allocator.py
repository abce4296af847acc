"""How glibc serves a process's large arrays: returned to the system when freed, or kept for reuse.

A long run's main process wants freed stage data back (its peak is the memory
target); a short-lived worker that allocates and frees the same temporaries
block after block wants them kept, since an array served by ``mmap`` is
mapped, zero-filled page by page and unmapped each time. Other C libraries
are left alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util

# glibc's mallopt parameters.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def _mallopt(*settings: tuple[int, int]) -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        for parameter, value in settings:
            libc.mallopt(parameter, value)
    except (OSError, AttributeError):
        pass


def release_freed_arrays() -> None:
    """Serve every allocation over 128 KiB with mmap, so that freed arrays go back to the system.

    By default glibc raises that threshold as arrays are freed, and the memory
    of freed stage data then stays with the process: on 30,000 documents, RSS
    after preparing is 283 MiB with a fixed threshold against 429 MiB.
    """
    _mallopt((_M_MMAP_THRESHOLD, 128 << 10))


def keep_freed_arrays() -> None:
    """Serve allocations up to 32 MiB from the heap and keep up to 64 MiB of freed heap.

    For verification workers, forked from a main process that releases its
    arrays: their per-block temporaries are reused instead of mapped again
    (Reuters stories, verification 2.4-3.0 s -> 2.1-2.2 s), and their heap
    goes when they exit.
    """
    _mallopt((_M_MMAP_THRESHOLD, 32 << 20), (_M_TRIM_THRESHOLD, 64 << 20))

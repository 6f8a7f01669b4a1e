"""Give the server's freed memory back to the system after a large image has been read.

glibc keeps what a process frees in its heap for reuse. After a 49-megapixel upload has
been decoded, shrunk and dropped, hundreds of megabytes stay with the server although
nothing uses them (ten hostile uploads at once left it +385 MB, 20 s after the sessions
closed: benchmarks/bench_hostile_app.py). ``malloc_trim(0)`` hands the free pages back.
Elsewhere than glibc (macOS, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # no C library by that name, or one without malloc_trim
        return None


def give_memory_back() -> bool:
    """Return the heap's free pages to the system; whether this C library could (glibc only)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True

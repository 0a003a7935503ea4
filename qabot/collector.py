"""Pausing Python's cyclic garbage collector while a loaded index is made into objects.

Loading the whole Pepys diary makes some 13,000 passages, their tuples and the search
tables' dicts in a few hundred milliseconds. Every 700 allocations the collector runs,
and as the objects pile up its older generations are scanned again and again, with
them every object the imports made. None of these objects forms a cycle to collect, so
the collector is paused while they are made and resumed after; reference counting
still frees everything else at once. A pause never outlives its ``with`` block, and
concurrent pauses (a hot reload beside another) resume it only when the last ends.

Resumed, the collector would scan all that was made at its next run: the `qabot`
program, which exits once it has answered, freezes it instead (``qabot.cli._library``).
Both together, on the whole diary's cold `qabot ask` here (fresh processes, the code
before and this alternating): medians 1.39 s → 1.15 s over 20 each, 1.43 s → 1.08 s
over 10 each on another hour; peak memory the same (docs/performance.md).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0  # pauses under way; the collector runs again when the last one ends
_resume = False  # whether it ran before the first of them


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block (for making many long-lived objects)."""
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()


__all__ = ["collector_paused"]

"""What may stop a build half-way: Ctrl-C or SIGTERM, the wall-time bound, the memory bound.

The layout engine catches every exception in places (an SVG's drawing is wrapped in
`except BaseException`, which then logs "Failed to render SVG image"), so the exception a
signal handler raises can be swallowed there and the build go on or fail for another
reason. Each stop is therefore also recorded here, and raised again where folio has the
control: before a PDF replaces the last one (write.py) and where a build's outcome is
told (cli.py, watch.py). The write step itself is never cut in two (`held`). Forked
layout processes (chunks.py) inherit the memory bound; the wall time is kept by the
parent, which stops them.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

try:
    import resource
except ImportError:  # not on this system (Windows): no memory bound
    resource = None  # type: ignore[assignment]

DEFAULT_SECONDS = 30 * 60  # a 600-page report builds cold in under two minutes on two cores
DEFAULT_MIB = 4096  # address space per process; a layout process of a long report peaks near 1 GiB


class TimeLimit(BaseException):
    """The build ran past its wall-time bound. Not an Exception: no `except Exception` in the
    engine or a library can take it for one of its own errors."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the build took more than {_duration(seconds)}, the time a build may take; "
                         "raise the bound with --time-limit SECONDS if this report needs longer")
        self.seconds = seconds


_pending: BaseException | None = None  # the stop a signal or a bound asked for, once asked
_timer = False  # wall_time's own timer is running (held() may turn it off, and no one else's)


def pending() -> BaseException | None:
    return _pending


def raise_pending(cause: BaseException | None = None) -> None:
    """Raise the stop asked for, if any (a fresh exception of its kind, `from` what hid it)."""
    if _pending is None:
        return
    again = TimeLimit(_pending.seconds) if isinstance(_pending, TimeLimit) else KeyboardInterrupt()
    raise again from cause


def _stop(exc: BaseException) -> NoReturn:
    global _pending
    _pending = exc
    raise exc


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM and Ctrl-C (SIGINT) end the build as interrupted, and are remembered (see above)."""
    global _pending
    if not _in_main_thread():  # signal handlers belong to the main thread: leave them alone
        yield
        return
    _pending = None

    def handler(signum: int, frame: object) -> None:
        _stop(KeyboardInterrupt())

    try:
        with _stops_to(handler):
            yield
    finally:
        _pending = None


@contextmanager
def _stops_to(handler: Any) -> Iterator[dict[int, Any]]:
    """SIGTERM and Ctrl-C (SIGINT) sent to `handler` for the block; the handlers they had are
    yielded, and put back after it."""
    old = {signum: signal.signal(signum, handler) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield old
    finally:
        for signum, previous in old.items():
            signal.signal(signum, previous)


@contextmanager
def wall_time(seconds: float | None) -> Iterator[None]:
    """Raise TimeLimit in the main thread once `seconds` have passed (None or 0: no bound)."""
    global _pending
    if not seconds or not hasattr(signal, "setitimer") or not _in_main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        _stop(TimeLimit(seconds))

    global _timer
    old_handler = signal.signal(signal.SIGALRM, handler)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    _timer = True
    try:
        yield
    finally:
        _timer = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay:  # someone else's timer (a test runner's): give it back what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(0.001, old_delay - (time.monotonic() - started)), old_interval)
        if isinstance(_pending, TimeLimit):
            _pending = None


@contextmanager
def held() -> Iterator[None]:
    """The write step, which no stop may cut in two (pipeline.py): the wall-time bound is turned
    off (the work it bounds is done) and Ctrl-C or SIGTERM is held, then acted on as it would
    have been once the block ends. The build then stops after its last write, never between two."""
    global _timer
    if not _in_main_thread():
        yield
        return
    if _timer:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _timer = False
    arrived: list[int] = []

    def hold(signum: int, frame: object) -> None:
        arrived.append(signum)

    old: dict[int, Any] = {}
    try:
        with _stops_to(hold) as old:
            yield
    finally:
        if arrived:
            _deliver(arrived[0], old[arrived[0]])


def _deliver(signum: int, handler: Any) -> None:
    """A held signal, acted on as its handler would have acted."""
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        os.kill(os.getpid(), signum)


@contextmanager
def memory(mib: int | None) -> Iterator[None]:
    """Bound this process's address space (and its forked children's) to `mib` MiB; None or 0: no bound.

    Past it, an allocation fails: Python raises MemoryError, which the command line tells
    as a sentence (out_of_memory). The previous bound is restored afterwards.
    """
    if not mib or resource is None or not hasattr(resource, "RLIMIT_AS"):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = mib * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        wanted = soft  # a tighter bound set by the system stays
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def out_of_memory(mib: int | None) -> str:
    bound = f"the {mib} MiB a build process may use" if mib else "the memory this machine allows"
    return (f"the build ran out of memory ({bound}); raise the bound with --memory-limit MiB, "
            "or build a long report in parts (--jobs)")


def _duration(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} second{'s' if seconds != 1 else ''}"

"""A Dagster run on the main thread must not leave SIGTERM ignored for the children started after it.

Dagster, running a job on the main thread, sets SIGTERM to SIGINT's handler whenever it restores SIGINT's
(``dagster._utils.interrupts.setup_interrupt_handlers``, "for k8s"). In a process a shell started in the background
SIGINT is ignored, so after the first such run SIGTERM is ignored too — and a disposition of "ignore" is what a
child inherits. Every later run's log capture then starts ``tail -F`` children that SIGTERM cannot stop: Dagster
waits 30 s for each of them at the end of the run (a minute a refresh) and leaves them running.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def keeping_sigterm(run: Callable[[], T]) -> T:
    """``run()``, with SIGTERM's disposition put back as it was before if ``run`` changed it."""
    if threading.current_thread() is not threading.main_thread():
        return run()  # only the main thread's code can change signal dispositions
    before = signal.getsignal(signal.SIGTERM)
    try:
        return run()
    finally:
        if before is not None and signal.getsignal(signal.SIGTERM) is not before:
            signal.signal(signal.SIGTERM, before)

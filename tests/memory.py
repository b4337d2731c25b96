"""The process's resident set, read from /proc: its size now and its peak while a block runs — shared by the
hostile-workbook tests and bench/import.py."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 1024 / 1024


class PeakRss:
    """The resident set's peak while the block runs, sampled every ``interval`` seconds."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval

    def __enter__(self) -> PeakRss:
        self.start = self.peak = rss_mb()
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mb())
            time.sleep(self.interval)

    def __exit__(self, *_exc: Any) -> None:
        self.running = False
        self.thread.join()

"""Polling for a condition another thread or process brings about, with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def until(found: Callable[[], Any], seconds: float = 20.0) -> Any:
    """``found()``'s first truthy value, asked every 20 ms; fails after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {seconds:g} s")

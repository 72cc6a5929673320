"""``parledger`` in a process of its own, as a user's shell runs it."""

from __future__ import annotations

import subprocess
import sys

PARLEDGER = [sys.executable, "-m", "cli.main"]


def run_cli(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PARLEDGER, *argv], env=env, capture_output=True, text=True, timeout=120, check=False
    )

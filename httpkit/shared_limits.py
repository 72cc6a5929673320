"""The rate limit kept in the database, so that several API processes (``uvicorn --workers N``,
several hosts) limit a principal as one process would (``persistence/shared.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from httpkit.security import RateLimiter
from ledger.application import ParLedger
from persistence.shared import SharedState


@dataclass
class DatabaseRateLimiter(RateLimiter):
    """The same token bucket as :class:`RateLimiter`, one row per principal."""

    ledger: ParLedger | None = None
    _shared: SharedState | None = field(default=None, init=False)

    def take(self, key: str) -> float:
        if self._shared is None:
            assert self.ledger is not None
            datastore = self.ledger.recorder.datastore  # type: ignore[attr-defined]
            self._shared = SharedState(datastore, self.ledger.database.backend)
        return self._shared.take_token(key, self.rate, self.burst)


def limiter_for(ledger: ParLedger, rate: float, burst: float, store: str | None) -> RateLimiter:
    """In the database on PostgreSQL (processes share it); in the process on SQLite, whose
    every write takes the file's one write lock (``store``: "database" or "memory" to choose)."""
    kept = store or ("database" if ledger.database.backend == "postgres" else "memory")
    if kept == "database":
        return DatabaseRateLimiter(rate=rate, burst=burst, ledger=ledger)
    return RateLimiter(rate=rate, burst=burst)

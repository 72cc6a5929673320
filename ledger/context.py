"""What a caller hands the application with every command, and what it gets back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from domain.values import Actor, Source


@dataclass(frozen=True)
class CommandContext:
    """Who asks, from where, and the facts of the request that are not the command itself.

    ``actor`` comes from the authenticated principal (a token, or the CLI operator), never
    from the request body.
    """

    actor: Actor
    source: Source
    effective_at: datetime | None = None  # valid time; None means "now"
    reason: str | None = None
    request_id: str | None = None
    idempotency_key: str | None = None
    expected_version: int | None = None  # optimistic concurrency (If-Match)


@dataclass(frozen=True)
class Change:
    """One aggregate touched by a command."""

    entity: str
    id: UUID
    version: int


@dataclass(frozen=True)
class CommandResult:
    changes: tuple[Change, ...]
    positions: tuple[int, ...] = ()  # notification ids of the appended events
    replayed: bool = False  # True when an idempotent retry returned the first outcome
    detail: dict[str, str] = field(default_factory=dict)

    @property
    def version(self) -> int | None:
        return self.changes[0].version if self.changes else None

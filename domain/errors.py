"""Errors a command can raise. Messages are Vietnamese: officials read them."""

from __future__ import annotations

from domain.field_names import field_vn


class DomainError(Exception):
    """A command was refused. ``code`` is stable, ``field`` names the offending input."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        """The message after its field's Vietnamese name (``phần trăm: …``), as the CLI
        prints it; an input check that already named the field (``percent: …``) is said
        once, by that name, and one that begins with the name is not prefixed."""
        if not self.field:
            return self.message
        label = field_vn(self.field)
        reason = self.message.removeprefix(f"{self.field}: ")
        named = reason == label or reason.startswith((f"{label} ", f"{label}:"))
        return reason if named else f"{label}: {reason}"


class InvalidValue(DomainError):
    """An input is malformed or out of range."""

    code = "invalid_value"


class RuleViolation(DomainError):
    """A command breaks a rule of the plan's lifecycle."""

    code = "rule_violation"


class NotFound(DomainError):
    """The named entity does not exist."""

    code = "not_found"


class AlreadyExists(DomainError):
    """An entity with that natural key exists already."""

    code = "already_exists"


class Conflict(DomainError):
    """Another writer changed the entity first (optimistic concurrency)."""

    code = "conflict"


class StoreBusy(Conflict):
    """The store stayed locked by another writer past the busy timeout: nothing was written,
    and the same command may be sent again."""

    code = "store_busy"

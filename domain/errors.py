"""Errors a command can raise. Messages are Vietnamese: officials read them."""

from __future__ import annotations


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
        # an input check may already name its field ("percent: …"): never say it twice
        if self.field and not self.message.startswith(f"{self.field}:"):
            return f"{self.field}: {self.message}"
        return self.message


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

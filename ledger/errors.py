"""Errors of the application layer (the domain's own live in ``domain.errors``)."""

from __future__ import annotations

from domain.errors import Conflict as Conflict  # declared below the layers that raise it
from domain.errors import DomainError


class StaleVersion(DomainError):
    """The caller's expected version is not the entity's current version."""

    code = "stale_version"


class IdempotencyConflict(DomainError):
    """The idempotency key was used before for a different command."""

    code = "idempotency_key_reused"


class Forbidden(DomainError):
    """The principal's role or agency does not allow this command."""

    code = "forbidden"


class Unauthenticated(DomainError):
    code = "unauthenticated"

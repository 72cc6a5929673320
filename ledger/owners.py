"""The agencies an entity belongs to: who, besides the audit roles, may read its trail."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.agency import Agency
from domain.dossier import LateDossier
from domain.inspection import Inspection
from domain.task import Task
from ledger.core import LedgerCore


def owners(app: LedgerCore, uid: UUID) -> Callable[[], set[str]]:
    """A function giving the agency codes of entity ``uid`` (groups expanded): a task's lead
    and coordinating agencies, a dossier's or an inspection's agency, an agency itself.
    Other entities (plans, targets, users) belong to no agency. Lazy, so the audit roles,
    which need no answer, cost no read."""

    def found() -> set[str]:
        try:
            entity: object = app.repository.get(uid)
        except AggregateNotFoundError:  # unknown: no owner, so the rule refuses an officer
            return set()
        if isinstance(entity, Task):
            return app.agencies_of((*entity.lead, *entity.coordinating))
        if isinstance(entity, LateDossier | Inspection):
            return {str(entity.agency)}
        if isinstance(entity, Agency):
            return {entity.code}
        return set()

    return found

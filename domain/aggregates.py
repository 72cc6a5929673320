"""Every aggregate of the ledger, for what is said of all of them: each declares its
reference word (``ENTITY``) and what officials call it (``WHAT``) beside it."""

from __future__ import annotations

from domain.agency import Agency, AgencyGroup
from domain.base import LedgerAggregate
from domain.calendar import CalendarYear
from domain.dossier import LateDossier
from domain.inspection import Inspection
from domain.obligation import Obligation
from domain.plan import Plan
from domain.target import Target
from domain.task import Task
from domain.unit import Unit
from domain.user import User

AGGREGATES: tuple[type[LedgerAggregate], ...] = (
    Plan,
    Task,
    Target,
    Agency,
    AgencyGroup,
    Unit,
    LateDossier,
    Inspection,
    Obligation,
    User,
    CalendarYear,
)
# The Vietnamese name of each kind of entity, by its reference word: ``task`` → nhiệm vụ.
ENTITY_VN = {aggregate.ENTITY: aggregate.WHAT for aggregate in AGGREGATES}

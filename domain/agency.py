"""Agency directory: agencies, group names, and their changes over time."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain import ids
from domain.base import LedgerAggregate
from domain.errors import InvalidValue, RuleViolation
from domain.unit import LEGACY_UNIT, unit_scope
from domain.values import EventMeta, code, text

AGENCY_KINDS = (
    "district_peoples_committee",
    "office",
    "specialised_office",
    "public_service_unit",
    "commune",
    "town",
)


def _kind(value: str) -> str:
    if value not in AGENCY_KINDS:
        raise InvalidValue(f"loại cơ quan phải là một trong {AGENCY_KINDS}", field="kind")
    return value


def _aliases(values: list[str]) -> list[str]:
    if not isinstance(values, (list, tuple)):
        raise InvalidValue("phải là danh sách tên", field="aliases")
    return sorted({text(v, "aliases", limit=300) for v in values})


class Agency(LedgerAggregate):
    """A cơ quan, đơn vị or địa phương of one administrative unit; ``active`` is False once
    merged or dissolved. The same office name in two units is two agencies."""

    ENTITY = "agency"
    WHAT = "cơ quan"

    class Registered(LedgerAggregate.Created):
        """Version 2 names the agency's unit. Version 1 (release 0.2 and earlier) named
        none: every such agency is the legacy unit's (``unit`` None, read as
        :data:`~domain.unit.LEGACY_UNIT`), and leaving the field None keeps the state,
        the audit trail and the views of those ledgers exactly as they were."""

        class_version = 2
        agency_code: str
        name: str
        kind: str
        aliases: list[str]
        unit: str | None
        meta: EventMeta

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["unit"] = None

    @staticmethod
    def create_id(agency_code: str) -> UUID:
        return ids.agency_id(agency_code)

    @property
    def unit_code(self) -> str:
        return self.unit or LEGACY_UNIT

    @property
    def plan(self) -> str | None:
        """The index scope of the agency's events (``ledger.core.plan_of``): its unit's, so a
        plan's replay reads its own unit's directory only. Agencies of the legacy unit stay
        in the shared directory scope their stored events were filed under."""
        return None if self.unit is None else unit_scope(self.unit)

    @classmethod
    def register(
        cls,
        *,
        agency_code: str,
        name: str,
        kind: str,
        aliases: list[str],
        meta: EventMeta,
        unit: str | None = None,
    ) -> Agency:
        return cls(
            agency_code=code(agency_code, "code"),
            name=text(name, "name", limit=300),
            kind=_kind(kind),
            aliases=_aliases(aliases),
            unit=None if unit is None else code(unit, "unit"),
            meta=meta,
        )

    @event(Registered)
    def __init__(
        self,
        agency_code: str,
        name: str,
        kind: str,
        aliases: list[str],
        unit: str | None,
        meta: EventMeta,
    ) -> None:
        self.code = agency_code
        self.name = name
        self.kind = kind
        self.aliases = tuple(aliases)
        self.unit = unit
        self.active = True
        self.successor: str | None = None

    def _require_active(self) -> None:
        if not self.active:
            raise RuleViolation(f"cơ quan {self.name} không còn hoạt động", field="code")

    def rename(self, *, name: str, meta: EventMeta) -> None:
        self._require_active()
        meta.require_reason()
        new = text(name, "name", limit=300)
        if new == self.name:
            raise RuleViolation("tên không thay đổi", field="name")
        self._renamed(name=new, meta=meta)

    @event("Renamed")
    def _renamed(self, name: str, meta: EventMeta) -> None:
        self.aliases = tuple(sorted({*self.aliases, self.name}))
        self.name = name

    def merge_into(self, *, successor: str, meta: EventMeta) -> None:
        """This agency was merged (sáp nhập) into ``successor``."""
        self._require_active()
        meta.require_reason()
        successor = code(successor, "successor")
        if successor == self.code:
            raise InvalidValue("không thể sáp nhập vào chính nó", field="successor")
        self._merged(successor=successor, meta=meta)

    @event("Merged")
    def _merged(self, successor: str, meta: EventMeta) -> None:
        self.active = False
        self.successor = successor

    def dissolve(self, *, meta: EventMeta) -> None:
        self._require_active()
        meta.require_reason()
        self._dissolved(meta=meta)

    @event("Dissolved")
    def _dissolved(self, meta: EventMeta) -> None:
        self.active = False


class AgencyGroup(LedgerAggregate):
    """A name standing for several agencies: every active agency of the given kinds."""

    ENTITY = "group"
    WHAT = "nhóm cơ quan"

    @staticmethod
    def create_id(group_code: str) -> UUID:
        return ids.group_id(group_code)

    @classmethod
    def register(
        cls,
        *,
        group_code: str,
        name: str,
        kinds: list[str],
        aliases: list[str],
        meta: EventMeta,
    ) -> AgencyGroup:
        if not kinds:
            raise InvalidValue("nhóm cần ít nhất một loại cơ quan", field="kinds")
        return cls(
            group_code=code(group_code, "code"),
            name=text(name, "name", limit=300),
            kinds=sorted({_kind(k) for k in kinds}),
            aliases=_aliases(aliases),
            meta=meta,
        )

    @event("Registered")
    def __init__(
        self, group_code: str, name: str, kinds: list[str], aliases: list[str], meta: EventMeta
    ) -> None:
        self.code = group_code
        self.name = name
        self.kinds = tuple(kinds)
        self.aliases = tuple(aliases)

    @property
    def plan(self) -> str | None:
        """The index scope of the group's events: a unit-prefixed code (``thuy-nguyen.…``)
        files them under that unit, so other units' replays never read them; the legacy
        directory's groups stay in the shared scope their stored events were filed under."""
        unit, _, rest = self.code.partition(".")
        return unit_scope(unit) if rest else None

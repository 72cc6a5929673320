"""Administrative units (đơn vị hành chính): provinces, districts (historical), communes, wards
and special zones, with their reorganisations as events at their effective dates.

A reorganisation never rewrites what came before it: a 2023 district plan stays the plan of the
district, which is merged into its successor on the decision's date. What the successor takes
over is what the decision says (``decision`` names it), recorded, never inferred.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain import ids
from domain.base import LedgerAggregate
from domain.errors import InvalidValue, RuleViolation
from domain.values import EventMeta, code, text

PROVINCE = "province"  # tỉnh, thành phố trực thuộc trung ương
DISTRICT = "district"  # huyện, quận, thị xã, thành phố thuộc tỉnh: gone since 1/7/2025
COMMUNE = "commune"  # xã
WARD = "ward"  # phường
SPECIAL_ZONE = "special_zone"  # đặc khu
TOWN = "town"  # thị trấn: gone since 1/7/2025
UNIT_LEVELS = (PROVINCE, DISTRICT, COMMUNE, WARD, SPECIAL_ZONE, TOWN)
# What each level is called, for people.
LEVEL_NAMES = {
    PROVINCE: "tỉnh, thành phố",
    DISTRICT: "huyện, quận, thị xã",
    COMMUNE: "xã",
    WARD: "phường",
    SPECIAL_ZONE: "đặc khu",
    TOWN: "thị trấn",
}
# The levels a unit of each level may sit under (None: directly under the central government).
PARENT_LEVELS: dict[str, tuple[str | None, ...]] = {
    PROVINCE: (None,),
    DISTRICT: (PROVINCE,),
    COMMUNE: (PROVINCE, DISTRICT),
    WARD: (PROVINCE, DISTRICT),
    SPECIAL_ZONE: (PROVINCE,),
    TOWN: (DISTRICT,),
}

# Every agency and plan recorded before units existed (release 0.2 and earlier) was Cát Hải
# district's: the one unit those ledgers knew. Their events name no unit; this is it.
LEGACY_UNIT = "cat-hai"


def unit_scope(unit_code: str) -> str:
    """The event index's scope of a unit's own events and its directory (see ``plan``)."""
    return f"unit:{unit_code}"


def level(value: str) -> str:
    if value not in UNIT_LEVELS:
        raise InvalidValue(f"cấp đơn vị phải là một trong {UNIT_LEVELS}", field="level")
    return value


class Unit(LedgerAggregate):
    """An administrative unit; ``active`` is False once merged, split or dissolved."""

    ENTITY = "unit"
    WHAT = "đơn vị"

    @staticmethod
    def create_id(unit_code: str) -> UUID:
        return ids.unit_id(unit_code)

    @property
    def plan(self) -> str:
        """The index scope the unit's events are filed under (``ledger.core.plan_of``): a
        plan's replay reads its unit's scope, never the whole country's."""
        return unit_scope(self.code)

    @classmethod
    def establish(
        cls, *, unit_code: str, name: str, level_: str, parent: str | None, meta: EventMeta
    ) -> Unit:
        return cls(
            unit_code=code(unit_code, "unit_code"),
            name=text(name, "name", limit=200),
            level=level(level_),
            parent=None if parent is None else code(parent, "parent"),
            meta=meta,
        )

    @event("Established")
    def __init__(
        self, unit_code: str, name: str, level: str, parent: str | None, meta: EventMeta
    ) -> None:
        self.code = unit_code
        self.name = name
        self.level = level
        self.parent = parent
        self.active = True
        self.successors: tuple[str, ...] = ()
        self.established_at = meta.effective_at
        self.ended_at: datetime | None = None

    def existed_at(self, moment: datetime) -> bool:
        """Whether the unit existed at ``moment`` (valid time): records about a unit are
        backfilled long after it was reorganised, and stay its records."""
        return self.established_at <= moment and (self.ended_at is None or moment < self.ended_at)

    def _require_active(self) -> None:
        if not self.active:
            raise RuleViolation(f"đơn vị {self.name} không còn tồn tại", field="unit_code")

    def rename(self, *, name: str, meta: EventMeta) -> None:
        self._require_active()
        meta.require_reason()
        new = text(name, "name", limit=200)
        if new == self.name:
            raise RuleViolation("tên không thay đổi", field="name")
        self._renamed(name=new, meta=meta)

    @event("Renamed")
    def _renamed(self, name: str, meta: EventMeta) -> None:
        self.name = name

    def record_parent(self, *, parent: str, meta: EventMeta) -> None:
        """The parent of a unit recorded without one (its plan text named no province, or it
        was added before its parent was known). Recorded once: a parent the ledger holds is
        never replaced this way (a reorganisation is a decision of its own)."""
        parent = code(parent, "parent")
        if parent == self.code:
            raise InvalidValue("đơn vị không thể là cấp trên của chính nó", field="parent")
        if self.parent is not None:
            raise RuleViolation(
                f"đơn vị {self.name} đã có đơn vị cấp trên {self.parent}", field="parent"
            )
        self._parent_recorded(parent=parent, meta=meta)

    @event("ParentRecorded")
    def _parent_recorded(self, parent: str, meta: EventMeta) -> None:
        self.parent = parent

    def merge_into(self, *, successor: str, decision: str, meta: EventMeta) -> None:
        """Merged (sáp nhập) into ``successor`` by ``decision`` (its number and date)."""
        self._require_active()
        meta.require_reason()
        successor = code(successor, "successor")
        if successor == self.code:
            raise InvalidValue("không thể sáp nhập vào chính nó", field="successor")
        self._merged(successor=successor, decision=text(decision, "decision", limit=500), meta=meta)

    @event("MergedInto")
    def _merged(self, successor: str, decision: str, meta: EventMeta) -> None:
        self.active, self.ended_at = False, meta.effective_at
        self.successors = (successor,)

    def split(self, *, successors: list[str], decision: str, meta: EventMeta) -> None:
        """Split (chia tách) into ``successors`` by ``decision``."""
        self._require_active()
        meta.require_reason()
        named = [code(s, "successors") for s in successors]
        if len(set(named)) < 2 or self.code in named:
            raise InvalidValue("cần ít nhất hai đơn vị kế thừa khác nhau", field="successors")
        self._split(successors=named, decision=text(decision, "decision", limit=500), meta=meta)

    @event("Split")
    def _split(self, successors: list[str], decision: str, meta: EventMeta) -> None:
        self.active, self.ended_at = False, meta.effective_at
        self.successors = tuple(successors)

    def dissolve(self, *, decision: str, meta: EventMeta) -> None:
        self._require_active()
        meta.require_reason()
        self._dissolved(decision=text(decision, "decision", limit=500), meta=meta)

    @event("Dissolved")
    def _dissolved(self, decision: str, meta: EventMeta) -> None:
        self.active, self.ended_at = False, meta.effective_at

"""Loading aggregates, the agency directory and authentication: the reads every use case
shares, kept apart from recording and idempotency (``core.py``)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Repository

from domain import ids
from domain.agency import Agency, AgencyGroup
from domain.base import LedgerAggregate
from domain.dossier import LateDossier
from domain.errors import NotFound
from domain.inspection import Inspection
from domain.plan import Plan
from domain.target import Target
from domain.task import Task
from domain.unit import LEGACY_UNIT, unit_scope
from domain.user import User
from domain.values import Actor, Role
from ledger.context import CommandContext
from ledger.errors import StaleVersion, Unauthenticated
from persistence.records import IndexFilter, LedgerRecorder

A = TypeVar("A", bound=LedgerAggregate)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def project_events(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its check of every event against a
    runtime-checkable protocol, which cost as much as applying the event (32 -> 18 us an
    event rebuilding a plan's tasks): every event stored here is one of the ledger's own."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class LedgerRepository(Repository[UUID]):
    """The library's repository, rebuilding aggregates with :func:`project_events` unless a
    caller names another projector."""

    def get(
        self,
        aggregate_id: UUID,
        *,
        version: int | None = None,
        projector_func: Any = project_events,
        fastforward_skipping: bool = False,
        deepcopy_from_cache: bool = True,
    ) -> Any:
        return super().get(
            aggregate_id,
            version=version,
            projector_func=projector_func,
            fastforward_skipping=fastforward_skipping,
            deepcopy_from_cache=deepcopy_from_cache,
        )


class LedgerBase(Application[UUID]):
    """What use cases read: aggregates at the expected version, the directory, the principal."""

    def construct_repository(self) -> Repository[UUID]:
        # The library's own construction (cache, fast-forward, copies as the env says), with
        # the ledger's projector.
        repository = super().construct_repository()
        repository.__class__ = LedgerRepository
        return repository

    @property
    def ledger_recorder(self) -> LedgerRecorder:
        assert isinstance(self.recorder, LedgerRecorder)
        return self.recorder

    # -- recording -------------------------------------------------------------------------

    def load(self, cls: type[A], aggregate_id: UUID, what: str) -> A:
        return self._get(cls, aggregate_id, what, copy=True)

    def peek(self, cls: type[A], aggregate_id: UUID, what: str) -> A:
        """``load`` without the copy: the cached aggregate itself, brought up to date. For a
        check that reads a field or two at once (a plan's unit, an agency's kind), where a
        deep copy of the whole aggregate was most of a command's work: never change what it
        returns, never keep it (the next load fast-forwards it in place)."""
        return self._get(cls, aggregate_id, what, copy=False)

    def _get(self, cls: type[A], aggregate_id: UUID, what: str, *, copy: bool) -> A:
        try:
            found: object = self.repository.get(aggregate_id, deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            raise NotFound(f"không tìm thấy {what}", field=cls.ENTITY) from None
        if not isinstance(found, cls):
            raise NotFound(f"không tìm thấy {what}", field=cls.ENTITY)
        return found

    def for_update(self, cls: type[A], aggregate_id: UUID, what: str, ctx: CommandContext) -> A:
        return self.expect(self.load(cls, aggregate_id, what), what, ctx)

    @staticmethod
    def expect(found: A, what: str, ctx: CommandContext) -> A:
        """``found``, if it is at the version the caller expects (If-Match)."""
        if ctx.expected_version is not None and found.version != ctx.expected_version:
            raise StaleVersion(
                f"{what} đang ở phiên bản {found.version}, không phải {ctx.expected_version}",
                field="If-Match",
            )
        return found

    def exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def get_task(self, plan: str, number: str) -> Task:
        return self.load(Task, ids.task_id(plan, number), f"nhiệm vụ {number} của {plan}")

    def get_target(self, plan: str, number: int) -> Target:
        return self.load(Target, ids.target_id(plan, number), f"chỉ tiêu {number} của {plan}")

    def get_plan(self, plan: str) -> Plan:
        return self.load(Plan, ids.plan_id(plan), f"kế hoạch {plan}")

    def get_agency(self, agency_code: str) -> Agency:
        return self.load(Agency, ids.agency_id(agency_code), f"cơ quan {agency_code}")

    def get_group(self, group_code: str) -> AgencyGroup:
        return self.load(AgencyGroup, ids.group_id(group_code), f"nhóm {group_code}")

    def get_dossier(self, dossier_code: str) -> LateDossier:
        return self.load(LateDossier, ids.dossier_id(dossier_code), f"hồ sơ {dossier_code}")

    def get_inspection(self, inspection_id: UUID) -> Inspection:
        return self.load(Inspection, inspection_id, f"cuộc kiểm tra {inspection_id}")

    def require_agency(self, agency_code: str, field: str) -> Agency | AgencyGroup:
        """An agency or a group code that the directory knows (the cached entity: read it,
        never change it, see :meth:`peek`)."""
        try:
            return self.peek(Agency, ids.agency_id(agency_code), agency_code)
        except NotFound:
            pass
        try:
            return self.peek(AgencyGroup, ids.group_id(agency_code), agency_code)
        except NotFound:
            pass
        # Codes are qualified by their unit ("da-nang-hai-chau.van-phong-hdnd-ubnd"): a bare
        # code a newcomer types is answered with the qualified ones it could mean, found by
        # their ids among the units that have a directory (a query for the units, one for every
        # 500 candidate ids, where loading every agency of a country's ledger took seconds for
        # one mistyped code).
        units = [
            scope.removeprefix("unit:")
            for scope in self.ledger_recorder.select_scopes(("Agency", "AgencyGroup"))
            if scope.startswith("unit:")
        ]
        candidates = {
            make(f"{unit}.{agency_code}"): f"{unit}.{agency_code}"
            for unit in units
            for make in (ids.agency_id, ids.group_id)
        }
        found = self.ledger_recorder.select_existing(list(candidates))
        meant = sorted({candidates[uid] for uid in found})
        hint = f"; có phải: {', '.join(meant[:10])}" if meant else ""
        raise NotFound(f"không có cơ quan hay nhóm cơ quan mã {agency_code!r}{hint}", field=field)

    def agencies_of(self, codes: Iterable[str], unit: str | None = None) -> set[str]:
        """Expand agency and group codes to agency codes (groups: every active member of the
        group's unit, see :meth:`group_unit`; ``unit``, the plan's, when the caller knows it)."""
        expanded: set[str] = set()
        for code_ in codes:
            found = self.require_agency(code_, "agency")
            if isinstance(found, Agency):
                expanded.add(found.code)
            else:
                within = unit or self.group_unit(found.code)
                expanded |= {
                    a.code for a in self.directory(within) if a.active and a.kind in found.kinds
                }
        return expanded

    def covers(self, codes: Iterable[str], agency_code: str, unit: str | None = None) -> bool:
        """Whether ``codes`` (agencies and groups) include ``agency_code``, reading only the
        entities concerned rather than the whole directory. A group covers agencies of its
        own unit only (``unit``: the plan's, when the caller knows it)."""
        codes = list(codes)
        if agency_code in codes:
            return True
        try:
            agency = self.peek(Agency, ids.agency_id(agency_code), agency_code)
        except NotFound:
            return False
        for code_ in codes:
            found = self.require_agency(code_, "agency")
            if not isinstance(found, AgencyGroup) or not agency.active:
                continue
            within = unit or self.group_unit(found.code)
            if agency.kind in found.kinds and within in (None, agency.unit_code):
                return True
        return False

    @staticmethod
    def group_unit(group_code: str) -> str | None:
        """The unit a group's code is qualified by ("thuy-nguyen.cac-co-quan-…"), None for a
        bare code (the legacy unit's, or a plan's whose parser did not qualify it): callers
        that know the plan's unit pass it instead."""
        head, dot, _ = group_code.partition(".")
        return head if dot else None

    def directory(self, unit: str | None = None) -> list[Agency]:
        """Every agency, or those of ``unit``: read from the unit's own index scope, where
        its agencies were filed when registered (a unit never changes), so a group's
        members cost the same in a country's ledger as in one district's. The legacy unit's
        agencies were filed in the shared scope: for it, every agency is read."""
        if unit is None or unit == LEGACY_UNIT:
            found = [a for a in self._all(Agency) if isinstance(a, Agency)]
        else:
            found = self.plan_members(unit_scope(unit), Agency)
        return found if unit is None else [a for a in found if a.unit_code == unit]

    def plan_members(self, plan: str, cls: type[A]) -> list[A]:
        """Every aggregate of ``cls`` (tasks, targets; a unit's agencies, with the unit's
        scope as ``plan``) registered in ``plan``, withdrawn ones too, in order of
        registration: from the event index's plan scope, so other plans cost nothing."""
        where = IndexFilter(plan=plan, entity=cls.__name__, event_type="Registered")
        found: list[A] = []
        after = 0
        while page := self.ledger_recorder.select_filtered(where, gt=after, limit=500):
            found += [self.load(cls, row.originator_id, cls.ENTITY) for _, row in page]
            after = page[-1][0]
        return found

    def _all(self, cls: type[A]) -> list[A]:
        """Every aggregate of one class (for small collections: agencies, groups)."""
        return [
            self.load(cls, i, cls.ENTITY)
            for i in self.ledger_recorder.select_originators(cls.__name__)
        ]

    def authenticate(self, token: str) -> Actor:
        """The principal behind a bearer token, or Unauthenticated."""
        prefix, _, rest = token.partition(".")
        name = rest.rpartition(".")[0]
        if prefix != "plg" or not name:
            raise Unauthenticated("mã truy cập không đúng định dạng")
        try:
            user = self.load(User, ids.user_id(name), name)
        except NotFound:
            raise Unauthenticated("mã truy cập không hợp lệ") from None
        if not secrets.compare_digest(user.token_sha256, hash_token(token)):
            raise Unauthenticated("mã truy cập không hợp lệ")
        if user.revoked:
            raise Unauthenticated("mã truy cập đã bị thu hồi")
        return Actor(
            id=f"user:{user.name}", name=user.display_name, role=Role(user.role), agency=user.agency
        )

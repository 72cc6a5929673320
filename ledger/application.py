"""ParLedger's use cases: the one place the CLI and the HTTP API call."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property, partial
from typing import Any, ClassVar, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import datetime_now_with_tzinfo
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording

from domain import ids
from domain.agency import Agency, AgencyGroup
from domain.base import LedgerAggregate
from domain.dossier import LateDossier
from domain.errors import DomainError, InvalidValue, NotFound
from domain.inspection import Inspection
from domain.plan import Plan
from domain.target import Target
from domain.task import Task
from domain.user import User
from domain.values import VN_TZ, Actor, EventMeta, Role, Source, optional_text
from ledger import access
from ledger.context import Change, CommandContext, CommandResult
from ledger.errors import Conflict, IdempotencyConflict, StaleVersion, Unauthenticated
from ledger.transcodings import register_ledger_transcodings
from persistence.records import (
    CommandRow,
    IdempotencyKeyReused,
    IndexFilter,
    IndexRow,
    LedgerRecorder,
)
from persistence.settings import Database, database_from_env
from persistence.vault import Citizen, PersonVault
from persistence.viewstore import LedgerView, PostgresLedgerView, SQLiteLedgerView

A = TypeVar("A", bound=LedgerAggregate)

# A clock a few seconds ahead on the client is not a claim about the future.
CLOCK_SKEW = timedelta(minutes=2)


def fingerprint(name: str, payload: dict[str, Any], actor: Actor) -> str:
    """A stable hash of a command's input, to tell a retry from a different command."""
    canonical = json.dumps(
        {"command": name, "actor": actor.id, "payload": payload},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def plan_of(aggregate: object) -> str | None:
    """The plan an aggregate belongs to: its scope in the event index."""
    if isinstance(aggregate, Plan):
        return aggregate.code
    plan = getattr(aggregate, "plan", None)
    return plan if isinstance(plan, str) else None


class ParLedger(Application[UUID]):
    """The ledger: commands append events; reads rebuild aggregates from them."""

    name = "parledger"
    env: ClassVar[dict[str, str]] = {
        "AGGREGATE_CACHE_MAXSIZE": "2000",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
    }

    def __init__(self, database: Database | None = None, env: dict[str, str] | None = None):
        self.database = database or database_from_env()
        super().__init__({**self.database.env, **(env or {})})

    @property
    def creates_tables(self) -> bool:
        """False for a service role that may not run DDL (``PARLEDGER_CREATE_TABLES=no``)."""
        return self.env.get("CREATE_TABLE", "yes").lower() not in ("no", "n", "false", "0", "off")

    @cached_property
    def view(self) -> LedgerView:
        """The live view and checkpoint tables, in the ledger's own database."""
        datastore = self.recorder.datastore  # type: ignore[attr-defined]
        view: LedgerView
        if self.database.backend == "postgres":
            view = PostgresLedgerView(datastore)
        else:
            view = SQLiteLedgerView(datastore)
        if self.creates_tables:
            view.create_table()
        return view

    @cached_property
    def vault(self) -> PersonVault:
        return PersonVault(
            self.recorder.datastore,  # type: ignore[attr-defined]
            self.database.backend,
            create=self.creates_tables,
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_ledger_transcodings(transcoder)

    @property
    def ledger_recorder(self) -> LedgerRecorder:
        assert isinstance(self.recorder, LedgerRecorder)
        return self.recorder

    # -- recording -------------------------------------------------------------------------

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        # The index rows ride along to the recorder, which writes them in the same
        # transaction as the events (the library's "searchable timestamps" pattern).
        processing_event.saved_kwargs["index_rows"] = [
            IndexRow(
                originator_id=e.originator_id,
                originator_version=e.originator_version,
                entity=type(e).__qualname__.split(".")[0],
                event_type=type(e).__qualname__.split(".")[-1],
                recorded_at=e.timestamp,  # type: ignore[attr-defined]
                effective_at=e.meta.effective_at,  # type: ignore[attr-defined]
                actor_id=e.meta.actor.id,  # type: ignore[attr-defined]
                plan=plan_of(processing_event.aggregates.get(e.originator_id)),
                actor_role=e.meta.actor.role.value,  # type: ignore[attr-defined]
                actor_agency=e.meta.actor.agency,  # type: ignore[attr-defined]
            )
            for e in processing_event.events
        ]
        return super()._record(processing_event)

    def meta(self, ctx: CommandContext) -> EventMeta:
        """The metadata every event of this command carries; valid time checked here
        because "not in the future" depends on the clock, which the domain does not read."""
        now = datetime_now_with_tzinfo()
        effective = ctx.effective_at or now
        if effective.tzinfo is None:
            effective = effective.replace(tzinfo=VN_TZ)
        if effective > now + CLOCK_SKEW:
            raise InvalidValue(
                f"ngày hiệu lực {effective.astimezone(VN_TZ):%d/%m/%Y %H:%M} ở tương lai",
                field="effective_at",
            )
        if effective.date() < date(2000, 1, 1):
            raise InvalidValue("ngày hiệu lực trước năm 2000", field="effective_at")
        return EventMeta(
            actor=ctx.actor,
            effective_at=effective,
            reason=optional_text(ctx.reason, "reason", limit=2000),
            request_id=optional_text(ctx.request_id, "request_id", limit=200),
            idempotency_key=optional_text(ctx.idempotency_key, "Idempotency-Key", limit=200),
            source=ctx.source,
        )

    def execute(
        self,
        ctx: CommandContext,
        name: str,
        payload: dict[str, Any],
        decide: Callable[[EventMeta], Sequence[LedgerAggregate]],
    ) -> CommandResult:
        """Run one command: idempotency, decision, atomic append, conflict translation."""
        key = f"{ctx.actor.id}:{ctx.idempotency_key}" if ctx.idempotency_key else None
        # When it took effect and why are part of what was asked: the same key with another
        # effective date or reason is another command, not a retry.
        said = {"effective_at": ctx.effective_at, "reason": ctx.reason}
        print_ = fingerprint(name, {**payload, "_meta": said}, ctx.actor)
        # A stored key is looked up only when the command cannot simply be appended: when
        # the decision refuses it (the first attempt moved the version on, or completed the
        # task, …), when it changes nothing, or when the append meets the key (below). The
        # answer is then the first outcome, as if looked up first; a first attempt costs
        # no extra query.
        try:
            aggregates = decide(self.meta(ctx))
        except DomainError:
            prior = self.ledger_recorder.get_command(key) if key is not None else None
            if prior is None:
                raise
            return self._replay(prior, print_)
        changes = tuple(
            Change(entity=type(a).ENTITY, id=a.uuid, version=a.version)
            for a in aggregates
            if a.pending_events
        )
        if not changes:
            prior = self.ledger_recorder.get_command(key) if key is not None else None
            return CommandResult(changes=()) if prior is None else self._replay(prior, print_)
        pending = {a.uuid: len(a.pending_events) for a in aggregates}
        command = (
            CommandRow(
                key=key,
                fingerprint=print_,
                recorded_at=datetime_now_with_tzinfo(),
                # With the first version each aggregate got, so a retry can name the
                # positions of exactly these events.
                result={
                    "changes": [
                        [c.entity, str(c.id), c.version, c.version - pending[c.id] + 1]
                        for c in changes
                    ]
                },
            )
            if key is not None
            else None
        )
        try:
            recordings = self.save(*aggregates, command=command)
        except IntegrityError as error:
            if key is not None:
                prior = self.ledger_recorder.get_command(key)
                if prior is not None:
                    # Stored by a concurrent duplicate, or by our own first attempt whose
                    # acknowledgement was lost: either way, the outcome is the first one.
                    return self._replay(prior, print_)
            if isinstance(error, IdempotencyKeyReused):
                raise IdempotencyConflict(
                    "khóa chống lặp đang được dùng cho một yêu cầu khác đang xử lý",
                    field="Idempotency-Key",
                    code="idempotency_key_in_flight",
                ) from error
            raise Conflict(
                "dữ liệu vừa được người khác thay đổi; hãy tải lại và thử lại",
                field="version",
            ) from error
        return CommandResult(
            changes=changes, positions=tuple(r.notification.id for r in recordings)
        )

    def _replay(self, prior: CommandRow, print_: str) -> CommandResult:
        """The first outcome of an idempotent command, positions included."""
        if prior.fingerprint != print_:
            raise IdempotencyConflict(
                "khóa chống lặp này đã được dùng cho một yêu cầu khác", field="Idempotency-Key"
            )
        changes, positions = [], []
        for entity, uid, version, *first in prior.result["changes"]:
            change = Change(entity=entity, id=UUID(uid), version=version)
            changes.append(change)
            lowest = first[0] if first else version  # rows stored before "first" was kept
            rows = self.ledger_recorder.select_filtered(
                IndexFilter(originator_id=change.id), gt=0, limit=version + 1
            )
            positions += [p for p, row in rows if lowest <= row.originator_version <= version]
        return CommandResult(
            changes=tuple(changes), positions=tuple(sorted(positions)), replayed=True
        )

    # -- loading ---------------------------------------------------------------------------

    def load(self, cls: type[A], aggregate_id: UUID, what: str) -> A:
        try:
            found: object = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"không tìm thấy {what}", field=cls.ENTITY) from None
        if not isinstance(found, cls):
            raise NotFound(f"không tìm thấy {what}", field=cls.ENTITY)
        return found

    def _for_update(self, cls: type[A], aggregate_id: UUID, what: str, ctx: CommandContext) -> A:
        found = self.load(cls, aggregate_id, what)
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
        """An agency or a group code that the directory knows."""
        try:
            return self.load(Agency, ids.agency_id(agency_code), agency_code)
        except NotFound:
            pass
        try:
            return self.load(AgencyGroup, ids.group_id(agency_code), agency_code)
        except NotFound:
            pass
        raise NotFound(f"không có cơ quan hay nhóm cơ quan mã {agency_code!r}", field=field)

    def agencies_of(self, codes: Iterable[str]) -> set[str]:
        """Expand agency and group codes to agency codes (groups: every active member)."""
        expanded: set[str] = set()
        for code_ in codes:
            found = self.require_agency(code_, "agency")
            if isinstance(found, Agency):
                expanded.add(found.code)
            else:
                expanded |= {a.code for a in self.directory() if a.active and a.kind in found.kinds}
        return expanded

    def covers(self, codes: Iterable[str], agency_code: str) -> bool:
        """Whether ``codes`` (agencies and groups) include ``agency_code``, reading only the
        entities concerned rather than the whole directory."""
        codes = list(codes)
        if agency_code in codes:
            return True
        try:
            agency = self.load(Agency, ids.agency_id(agency_code), agency_code)
        except NotFound:
            return False
        for code_ in codes:
            found = self.require_agency(code_, "agency")
            if isinstance(found, AgencyGroup) and agency.active and agency.kind in found.kinds:
                return True
        return False

    def directory(self) -> list[Agency]:
        return [a for a in self._all(Agency) if isinstance(a, Agency)]

    def _all(self, cls: type[A]) -> list[A]:
        """Every aggregate of one class (for small collections: agencies, groups)."""
        return [
            self.load(cls, i, cls.ENTITY)
            for i in self.ledger_recorder.select_originators(cls.__name__)
        ]

    # -- users -----------------------------------------------------------------------------

    def add_user(
        self,
        ctx: CommandContext,
        *,
        name: str,
        display_name: str,
        role: str,
        agency: str | None,
    ) -> tuple[CommandResult, str]:
        """Register a user and return the bearer token, which is shown once, never stored."""
        access.require(ctx.actor, access.MANAGE_USERS)
        # The name rides in the token so that a lookup is one read, not a scan; the secret
        # part is what proves possession, and only its hash is stored.
        token = f"plg.{name}.{secrets.token_urlsafe(32)}"
        payload = {"name": name, "role": role, "agency": agency, "display_name": display_name}

        def decide(meta: EventMeta) -> list[LedgerAggregate]:
            if agency is not None:
                self.require_agency(agency, "agency")
            if self.exists(ids.user_id(name)):
                raise InvalidValue(f"người dùng {name!r} đã tồn tại", field="name")
            return [
                User.register(
                    name=name,
                    display_name=display_name,
                    role=role,
                    agency=agency,
                    token_sha256=hash_token(token),
                    meta=meta,
                )
            ]

        return self.execute(ctx, "users.add", payload, decide), token

    def revoke_user(self, ctx: CommandContext, *, name: str) -> CommandResult:
        access.require(ctx.actor, access.MANAGE_USERS)
        load = partial(self.load, User, ids.user_id(name), f"người dùng {name}")
        return self.execute(
            ctx, "users.revoke", {"name": name}, lambda m: _do(load(), "revoke", meta=m)
        )

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

    # -- tasks -----------------------------------------------------------------------------

    def _task_command(
        self,
        ctx: CommandContext,
        plan: str,
        number: str,
        name: str,
        payload: dict[str, Any],
        act: Callable[[Task, EventMeta], None],
    ) -> CommandResult:

        def decide(meta: EventMeta) -> list[LedgerAggregate]:
            task = self._for_update(Task, ids.task_id(plan, number), f"nhiệm vụ {number}", ctx)
            access.require_task_writer(
                ctx.actor, partial(self.covers, [*task.lead, *task.coordinating])
            )
            act(task, meta)
            return [task]

        return self.execute(ctx, name, {"plan": plan, "task": number, **payload}, decide)

    def reassign_task(
        self,
        ctx: CommandContext,
        plan: str,
        number: str,
        *,
        lead: list[str],
        coordinating: list[str],
    ) -> CommandResult:
        access.require(ctx.actor, access.MANAGE_PLAN)
        for agency_code in [*lead, *coordinating]:
            self.require_agency(agency_code, "lead" if agency_code in lead else "coordinating")
        return self._task_command(
            ctx,
            plan,
            number,
            "task.reassign",
            {"lead": lead, "coordinating": coordinating},
            lambda t, m: t.reassign(lead=lead, coordinating=coordinating, meta=m),
        )

    def change_task_deadline(
        self, ctx: CommandContext, plan: str, number: str, *, start: date | None, due: date
    ) -> CommandResult:
        access.require(ctx.actor, access.MANAGE_PLAN)
        return self._task_command(
            ctx,
            plan,
            number,
            "task.deadline",
            {"start": start, "due": due},
            lambda t, m: t.change_deadline(start=start, due=due, meta=m),
        )

    def report_task_progress(
        self, ctx: CommandContext, plan: str, number: str, *, percent: int | None, note: str
    ) -> CommandResult:
        return self._task_command(
            ctx,
            plan,
            number,
            "task.progress",
            {"percent": percent, "note": note},
            lambda t, m: t.report_progress(percent=percent, note=note, meta=m),
        )

    def add_task_evidence(
        self,
        ctx: CommandContext,
        plan: str,
        number: str,
        *,
        title: str,
        document_number: str | None = None,
        document_date: date | None = None,
        file_sha256: str | None = None,
        evidence_id: str | None = None,
    ) -> CommandResult:
        evidence = evidence_id or uuid4().hex[:12]
        payload = {
            "title": title,
            "document_number": document_number,
            "document_date": document_date,
            "file_sha256": file_sha256,
            "evidence_id": evidence_id,
        }
        return self._task_command(
            ctx,
            plan,
            number,
            "task.evidence",
            payload,
            lambda t, m: t.add_evidence(
                evidence_id=evidence,
                document_number=document_number,
                document_date=document_date,
                title=title,
                file_sha256=file_sha256,
                meta=m,
            ),
        )

    def complete_task(
        self, ctx: CommandContext, plan: str, number: str, *, note: str | None = None
    ) -> CommandResult:
        return self._task_command(
            ctx,
            plan,
            number,
            "task.complete",
            {"note": note},
            lambda t, m: t.complete(note=note, meta=m),
        )

    def reopen_task(self, ctx: CommandContext, plan: str, number: str) -> CommandResult:
        return self._task_command(
            ctx, plan, number, "task.reopen", {}, lambda t, m: t.reopen(meta=m)
        )

    def cancel_task(self, ctx: CommandContext, plan: str, number: str) -> CommandResult:
        access.require(ctx.actor, access.MANAGE_PLAN)
        return self._task_command(
            ctx, plan, number, "task.cancel", {}, lambda t, m: t.cancel(meta=m)
        )

    # -- targets and measurements ----------------------------------------------------------

    def record_measurement(
        self,
        ctx: CommandContext,
        plan: str,
        target: int,
        *,
        indicator: str,
        value: Decimal | str | int | None,
        period_start: date,
        period_end: date,
        source: str,
        numerator: Decimal | str | int | None = None,
        denominator: Decimal | str | int | None = None,
        evidence: str | None = None,
        measurement_id: str | None = None,
    ) -> CommandResult:
        access.require(ctx.actor, access.REPORT_FIGURES)
        load = partial(
            self._for_update, Target, ids.target_id(plan, target), f"chỉ tiêu {target}", ctx
        )
        mid = measurement_id or uuid4().hex[:12]
        payload = {
            "plan": plan,
            "target": target,
            "indicator": indicator,
            "value": value,
            "numerator": numerator,
            "denominator": denominator,
            "period_start": period_start,
            "period_end": period_end,
            "source": source,
            "evidence": evidence,
            "measurement_id": measurement_id,
        }
        return self.execute(
            ctx,
            "measurement.record",
            payload,
            lambda m: _do(
                load(),
                "record_measurement",
                measurement_id=mid,
                indicator=indicator,
                value=value,
                numerator=numerator,
                denominator=denominator,
                period_start=period_start,
                period_end=period_end,
                source=source,
                evidence=evidence,
                meta=m,
            ),
        )

    def correct_measurement(
        self,
        ctx: CommandContext,
        plan: str,
        target: int,
        *,
        replaces: str,
        value: Decimal | str | int | None,
        period_start: date,
        period_end: date,
        source: str,
        numerator: Decimal | str | int | None = None,
        denominator: Decimal | str | int | None = None,
        evidence: str | None = None,
        measurement_id: str | None = None,
    ) -> CommandResult:
        access.require(ctx.actor, access.REPORT_FIGURES)
        load = partial(
            self._for_update, Target, ids.target_id(plan, target), f"chỉ tiêu {target}", ctx
        )
        mid = measurement_id or uuid4().hex[:12]
        payload = {
            "plan": plan,
            "target": target,
            "replaces": replaces,
            "value": value,
            "numerator": numerator,
            "denominator": denominator,
            "period_start": period_start,
            "period_end": period_end,
            "source": source,
            "evidence": evidence,
            "measurement_id": measurement_id,
        }
        return self.execute(
            ctx,
            "measurement.correct",
            payload,
            lambda m: _do(
                load(),
                "correct_measurement",
                measurement_id=mid,
                replaces=replaces,
                value=value,
                numerator=numerator,
                denominator=denominator,
                period_start=period_start,
                period_end=period_end,
                source=source,
                evidence=evidence,
                meta=m,
            ),
        )

    def retract_measurement(
        self, ctx: CommandContext, plan: str, target: int, *, measurement_id: str
    ) -> CommandResult:
        access.require(ctx.actor, access.REPORT_FIGURES)
        load = partial(
            self._for_update, Target, ids.target_id(plan, target), f"chỉ tiêu {target}", ctx
        )
        return self.execute(
            ctx,
            "measurement.retract",
            {"plan": plan, "target": target, "measurement_id": measurement_id},
            lambda m: _do(load(), "retract_measurement", measurement_id=measurement_id, meta=m),
        )

    def record_area_score(
        self, ctx: CommandContext, plan: str, *, area: str, kind: str, score: Decimal | str
    ) -> CommandResult:
        access.require(ctx.actor, access.REPORT_FIGURES)
        load = partial(self._for_update, Plan, ids.plan_id(plan), f"kế hoạch {plan}", ctx)
        return self.execute(
            ctx,
            "plan.area_score",
            {"plan": plan, "area": area, "kind": kind, "score": score},
            lambda m: _do(load(), "record_area_score", area=area, kind=kind, score=score, meta=m),
        )

    def submit_report(
        self, ctx: CommandContext, plan: str, *, period: str, content_sha256: str, position: int
    ) -> CommandResult:
        access.require(ctx.actor, access.REPORT_FIGURES)
        load = partial(self._for_update, Plan, ids.plan_id(plan), f"kế hoạch {plan}", ctx)
        payload = {"plan": plan, "period": period, "sha256": content_sha256, "position": position}
        return self.execute(
            ctx,
            "plan.report_submit",
            payload,
            lambda m: _do(
                load(),
                "submit_report",
                period=period,
                content_sha256=content_sha256,
                position=position,
                meta=m,
            ),
        )

    # -- inspections -----------------------------------------------------------------------

    def plan_inspection(
        self,
        ctx: CommandContext,
        plan: str,
        *,
        agency: str,
        kind: str,
        scheduled_on: date,
        scope: str,
    ) -> CommandResult:
        access.require(ctx.actor, access.INSPECT)
        self.get_plan(plan)
        found = self.require_agency(agency, "agency")
        if not isinstance(found, Agency):
            raise InvalidValue("cần một cơ quan cụ thể, không phải một nhóm", field="agency")
        payload = {
            "plan": plan,
            "agency": agency,
            "kind": kind,
            "scheduled_on": scheduled_on,
            "scope": scope,
        }
        return self.execute(
            ctx,
            "inspection.plan",
            payload,
            lambda m: [
                Inspection.plan_inspection(
                    plan=plan,
                    agency=agency,
                    kind=kind,
                    scheduled_on=scheduled_on,
                    scope=scope,
                    meta=m,
                )
            ],
        )

    def _inspection_command(
        self,
        ctx: CommandContext,
        inspection_id: UUID,
        name: str,
        payload: dict[str, Any],
        act: Callable[[Inspection, EventMeta], None],
    ) -> CommandResult:
        access.require(ctx.actor, access.INSPECT)

        def decide(meta: EventMeta) -> list[LedgerAggregate]:
            found = self._for_update(
                Inspection, inspection_id, f"cuộc kiểm tra {inspection_id}", ctx
            )
            act(found, meta)
            return [found]

        return self.execute(ctx, name, {"inspection": str(inspection_id), **payload}, decide)

    def record_inspection_conducted(
        self, ctx: CommandContext, inspection_id: UUID, *, note: str | None = None
    ) -> CommandResult:
        return self._inspection_command(
            ctx,
            inspection_id,
            "inspection.conducted",
            {"note": note},
            lambda i, m: i.record_conducted(note=note, meta=m),
        )

    def record_finding(
        self,
        ctx: CommandContext,
        inspection_id: UUID,
        *,
        finding: str,
        recommendation: str,
        remediation_deadline: date | None,
        finding_id: str | None = None,
    ) -> CommandResult:
        fid = finding_id or uuid4().hex[:12]
        payload = {
            "finding": finding,
            "recommendation": recommendation,
            "remediation_deadline": remediation_deadline,
            "finding_id": finding_id,
        }
        return self._inspection_command(
            ctx,
            inspection_id,
            "inspection.finding",
            payload,
            lambda i, m: i.record_finding(
                finding_id=fid,
                finding=finding,
                recommendation=recommendation,
                remediation_deadline=remediation_deadline,
                meta=m,
            ),
        )

    def add_remediation_evidence(
        self,
        ctx: CommandContext,
        inspection_id: UUID,
        *,
        finding_id: str,
        description: str,
        document_number: str | None = None,
        document_date: date | None = None,
    ) -> CommandResult:
        payload = {
            "finding_id": finding_id,
            "description": description,
            "document_number": document_number,
            "document_date": document_date,
        }
        return self._inspection_command(
            ctx,
            inspection_id,
            "inspection.remediation",
            payload,
            lambda i, m: i.add_remediation_evidence(
                finding_id=finding_id,
                description=description,
                document_number=document_number,
                document_date=document_date,
                meta=m,
            ),
        )

    def close_finding(
        self, ctx: CommandContext, inspection_id: UUID, *, finding_id: str
    ) -> CommandResult:
        return self._inspection_command(
            ctx,
            inspection_id,
            "inspection.close_finding",
            {"finding_id": finding_id},
            lambda i, m: i.close_finding(finding_id=finding_id, meta=m),
        )

    def conclude_inspection(
        self,
        ctx: CommandContext,
        inspection_id: UUID,
        *,
        notice_number: str,
        notice_date: date,
        summary: str,
    ) -> CommandResult:
        payload = {"notice_number": notice_number, "notice_date": notice_date, "summary": summary}
        return self._inspection_command(
            ctx,
            inspection_id,
            "inspection.conclude",
            payload,
            lambda i, m: i.conclude(
                notice_number=notice_number, notice_date=notice_date, summary=summary, meta=m
            ),
        )

    # -- late dossiers and apologies -------------------------------------------------------

    def report_late_dossier(
        self,
        ctx: CommandContext,
        plan: str,
        *,
        dossier_code: str,
        procedure: str,
        agency: str,
        received_on: date,
        due_on: date,
    ) -> CommandResult:
        access.require_dossier_writer(ctx.actor, agency)
        payload = {
            "plan": plan,
            "dossier_code": dossier_code,
            "procedure": procedure,
            "agency": agency,
            "received_on": received_on,
            "due_on": due_on,
        }

        def decide(meta: EventMeta) -> list[LedgerAggregate]:
            self.get_plan(plan)
            self.require_agency(agency, "agency")
            if self.exists(ids.dossier_id(dossier_code)):
                raise InvalidValue(f"hồ sơ {dossier_code} đã được ghi nhận", field="dossier_code")
            return [
                LateDossier.report(
                    plan=plan,
                    dossier_code=dossier_code,
                    procedure=procedure,
                    agency=agency,
                    received_on=received_on,
                    due_on=due_on,
                    meta=meta,
                )
            ]

        return self.execute(ctx, "dossier.report", payload, decide)

    def _dossier_command(
        self,
        ctx: CommandContext,
        dossier_code: str,
        name: str,
        payload: dict[str, Any],
        act: Callable[[LateDossier, EventMeta], None],
    ) -> CommandResult:

        def decide(meta: EventMeta) -> list[LedgerAggregate]:
            found = self._for_update(
                LateDossier, ids.dossier_id(dossier_code), f"hồ sơ {dossier_code}", ctx
            )
            access.require_dossier_writer(ctx.actor, found.agency)
            act(found, meta)
            return [found]

        return self.execute(ctx, name, {"dossier": dossier_code, **payload}, decide)

    def issue_apology(
        self,
        ctx: CommandContext,
        dossier_code: str,
        *,
        issued_on: date,
        reason_text: str,
        new_appointment: date,
        signer: str,
        apology_id: str | None = None,
        citizen_name: str | None = None,
        citizen_contact: str | None = None,
    ) -> CommandResult:
        aid = apology_id or uuid4().hex[:12]
        name = optional_text(citizen_name, "citizen_name", limit=200)
        contact = optional_text(citizen_contact, "citizen_contact", limit=200)
        if contact is not None and name is None:
            raise InvalidValue("có liên hệ thì phải có tên công dân", field="citizen_name")
        payload = {
            "issued_on": issued_on,
            "reason_text": reason_text,
            "new_appointment": new_appointment,
            "signer": signer,
            "apology_id": apology_id,
            "citizen_name": name,
            "citizen_contact": contact,
        }

        def sealed() -> dict[str, str] | None:
            # Sealed only once the command goes ahead; the text never reaches an event.
            return None if name is None else self.vault.seal(Citizen(name, contact))

        return self._dossier_command(
            ctx,
            dossier_code,
            "dossier.apologize",
            payload,
            lambda d, m: d.issue_apology(
                apology_id=aid,
                issued_on=issued_on,
                reason_text=reason_text,
                new_appointment=new_appointment,
                signer=signer,
                meta=m,
                citizen=sealed(),
            ),
        )

    def erase_citizen_data(self, ctx: CommandContext, dossier_code: str) -> CommandResult:
        """Erase the personal data of the citizen(s) a dossier's apologies name: an event
        records who erased it and why, then the keys are destroyed. Re-running after a crash
        between the two finishes the destruction."""
        access.require(ctx.actor, access.ERASE_PERSONAL_DATA)

        def decide(meta: EventMeta) -> list[LedgerAggregate]:
            found = self._for_update(
                LateDossier, ids.dossier_id(dossier_code), f"hồ sơ {dossier_code}", ctx
            )
            found.erase_citizen_data(meta=meta)
            return [found]

        try:
            return self.execute(ctx, "dossier.erase_citizen", {"dossier": dossier_code}, decide)
        finally:
            # Every subject the ledger records as erased loses its key, so an erasure cut
            # off between the event and the keys is completed by the next attempt.
            if self.exists(ids.dossier_id(dossier_code)):
                for subject in self.get_dossier(dossier_code).erased:
                    self.vault.erase(subject)

    def return_dossier_result(self, ctx: CommandContext, dossier_code: str) -> CommandResult:
        return self._dossier_command(
            ctx, dossier_code, "dossier.return", {}, lambda d, m: d.return_result(meta=m)
        )

    def withdraw_apology(
        self, ctx: CommandContext, dossier_code: str, *, apology_id: str
    ) -> CommandResult:
        return self._dossier_command(
            ctx,
            dossier_code,
            "dossier.withdraw_apology",
            {"apology_id": apology_id},
            lambda d, m: d.withdraw_apology(apology_id=apology_id, meta=m),
        )

    # -- agency directory ------------------------------------------------------------------

    def register_agency(
        self, ctx: CommandContext, *, agency_code: str, name: str, kind: str, aliases: list[str]
    ) -> CommandResult:
        access.require(ctx.actor, access.MANAGE_DIRECTORY)
        payload = {"code": agency_code, "name": name, "kind": kind, "aliases": aliases}

        def decide(meta: EventMeta) -> list[LedgerAggregate]:
            if self.exists(ids.agency_id(agency_code)) or self.exists(ids.group_id(agency_code)):
                raise InvalidValue(f"mã {agency_code!r} đã được dùng", field="code")
            return [
                Agency.register(
                    agency_code=agency_code, name=name, kind=kind, aliases=aliases, meta=meta
                )
            ]

        return self.execute(ctx, "agency.register", payload, decide)

    def rename_agency(self, ctx: CommandContext, agency_code: str, *, name: str) -> CommandResult:
        access.require(ctx.actor, access.MANAGE_DIRECTORY)
        load = partial(
            self._for_update, Agency, ids.agency_id(agency_code), f"cơ quan {agency_code}", ctx
        )
        return self.execute(
            ctx,
            "agency.rename",
            {"code": agency_code, "name": name},
            lambda m: _do(load(), "rename", name=name, meta=m),
        )

    def merge_agency(
        self, ctx: CommandContext, agency_code: str, *, successor: str
    ) -> CommandResult:
        access.require(ctx.actor, access.MANAGE_DIRECTORY)
        load = partial(
            self._for_update, Agency, ids.agency_id(agency_code), f"cơ quan {agency_code}", ctx
        )
        heir = self.get_agency(successor)
        if not heir.active:
            raise InvalidValue(f"cơ quan {successor} không còn hoạt động", field="successor")
        return self.execute(
            ctx,
            "agency.merge",
            {"code": agency_code, "successor": successor},
            lambda m: _do(load(), "merge_into", successor=successor, meta=m),
        )

    def dissolve_agency(self, ctx: CommandContext, agency_code: str) -> CommandResult:
        access.require(ctx.actor, access.MANAGE_DIRECTORY)
        load = partial(
            self._for_update, Agency, ids.agency_id(agency_code), f"cơ quan {agency_code}", ctx
        )
        return self.execute(
            ctx,
            "agency.dissolve",
            {"code": agency_code},
            lambda m: _do(load(), "dissolve", meta=m),
        )


def _do(aggregate: A, command: str, **kwargs: Any) -> list[LedgerAggregate]:
    """Call a command on one aggregate and hand it back for saving."""
    getattr(aggregate, command)(**kwargs)
    return [aggregate]


def cli_operator(login: str) -> Actor:
    """The local operator of the CLI: whoever holds the machine account runs as admin."""
    return Actor(id=f"os:{login}", name=login, role=Role.ADMIN)


__all__ = ["CommandContext", "CommandResult", "ParLedger", "Source", "cli_operator"]

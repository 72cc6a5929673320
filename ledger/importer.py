"""Put a plan file into the ledger: register what is new, amend what changed, all at once.

The whole import is one command, appended in one transaction: a plan is never half imported.
Importing the same file twice records nothing; a changed file records amendments that name
the file's hash as their reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any

from domain import ids
from domain.agency import Agency, AgencyGroup
from domain.base import LedgerAggregate
from domain.errors import InvalidValue, NotFound
from domain.plan import Plan
from domain.target import Target
from domain.task import Task
from domain.unit import Unit
from domain.values import VN_TZ, EventMeta
from ledger import access
from ledger.application import ParLedger
from ledger.commands import Command
from ledger.context import CommandContext, CommandResult
from planfile.schema import PlanFile
from planfile.units import unit_of


@dataclass
class ImportReport:
    plan: str
    registered: list[str] = field(default_factory=list)
    amended: list[str] = field(default_factory=list)
    result: CommandResult | None = None

    @property
    def changed(self) -> bool:
        return bool(self.registered or self.amended)


def plan_unit(plan: PlanFile) -> tuple[str, str]:
    """(code, level) of the plan's unit: as the file says, or as its heading names it."""
    found = unit_of(plan.unit)
    return plan.unit_code or found[0], plan.unit_level or found[1]


def _plan_fields(plan: PlanFile) -> dict[str, Any]:
    data = plan.model_dump(mode="python", by_alias=False)
    return {
        "unit_code": plan_unit(plan)[0],
        "kind": plan.kind,
        "unit": data["unit"],
        "year": data["year"],
        "title": data["title"],
        "document": data["document"],
        "signer": data["signer"],
        "areas": data["areas"],
        # A plan file from before versioned rules has no rule, calendar or moved deadline:
        # recorded as it was, not with empty keys (re-importing it changes nothing).
        "reporting": [{k: v for k, v in p.items() if v is not None} for p in data["reporting"]],
        "source": data["source"],
        "warnings": data["warnings"],
    }


class _Importer:
    def __init__(
        self,
        app: ParLedger,
        plan: PlanFile,
        meta: EventMeta,
        report: ImportReport,
        explicit_effective: bool = False,
    ):
        self.app, self.plan, self.meta, self.report = app, plan, meta, report
        self.touched: list[LedgerAggregate] = []
        self.unit = plan_unit(plan)[0]
        amend_reason = (
            f"Cập nhật từ tệp kế hoạch {plan.source.file} (sha256 {plan.source.sha256[:12]})"
        )
        if not explicit_effective:
            # A plan's entities exist from the plan's own date, so that replay "as of" any day
            # of its year sees them; amendments from a later file take effect when recorded.
            start = plan.document.date or date(plan.year, 1, 1)
            self.meta = replace(meta, effective_at=datetime.combine(start, time.min, VN_TZ))
        self.amend_meta = EventMeta(
            actor=meta.actor,
            effective_at=meta.effective_at,
            reason=meta.reason or amend_reason,
            request_id=meta.request_id,
            idempotency_key=meta.idempotency_key,
            source=meta.source,
        )

    def _existing(self, cls: type[LedgerAggregate], aggregate_id: Any) -> Any:
        try:
            return self.app.load(cls, aggregate_id, cls.ENTITY)
        except NotFound:
            return None

    def run(self) -> list[LedgerAggregate]:
        self._unit()
        self._directory()
        self._plan()
        self._targets()
        self._tasks()
        return self.touched

    def _unit(self) -> None:
        """The plan's unit, established from what its heading says when the ledger does not
        know it yet (its parent is then not recorded: ``parledger unit add`` records units
        with their parents before their plans are imported)."""
        unit_code, level = plan_unit(self.plan)
        if self._existing(Unit, ids.unit_id(unit_code)) is None:
            self.touched.append(
                Unit.establish(
                    unit_code=unit_code,
                    name=self.plan.unit,
                    level_=level,
                    parent=None,
                    meta=self.meta,
                )
            )
            self.report.registered.append(f"unit:{unit_code}")

    def local(self, code: str) -> str:
        """An agency the plan names must be its own unit's: a code of another unit's agency
        is refused, never shared (the parser qualifies codes by unit: ``planfile.units``)."""
        found = self._existing(Agency, ids.agency_id(code))
        if found is not None and found.unit_code != self.unit:
            raise InvalidValue(
                f"mã cơ quan {code!r} thuộc đơn vị {found.unit_code}, không phải {self.unit}",
                field="agencies",
            )
        return code

    def _directory(self) -> None:
        # The directory changes through its own commands (renames, merges); an import only
        # adds the agencies and groups a plan names that the ledger does not know yet.
        for agency in self.plan.agencies:
            code = self.local(agency.code)
            if self._existing(Agency, ids.agency_id(code)) is None:
                self.touched.append(
                    Agency.register(
                        agency_code=code,
                        name=agency.name,
                        kind=agency.kind.value,
                        aliases=list(agency.aliases),
                        unit=self.unit,
                        meta=self.meta,
                    )
                )
                self.report.registered.append(f"agency:{code}")
        for group in self.plan.groups:
            code = self.local(group.code)
            if self._existing(AgencyGroup, ids.group_id(code)) is None:
                self.touched.append(
                    AgencyGroup.register(
                        group_code=code,
                        name=group.name,
                        kinds=[k.value for k in group.kinds],
                        aliases=list(group.aliases),
                        meta=self.meta,
                    )
                )
                self.report.registered.append(f"group:{code}")

    def _plan(self) -> None:
        fields = _plan_fields(self.plan)
        existing: Plan | None = self._existing(Plan, ids.plan_id(self.plan.id))
        if existing is None:
            self.touched.append(Plan.register(plan=self.plan.id, fields=fields, meta=self.meta))
            self.report.registered.append(f"plan:{self.plan.id}")
        else:
            # A plan registered before units existed is the legacy unit's yearly plan.
            known = {"unit_code": existing.unit_code, "kind": "unit_yearly", **existing.fields}
            changed = {k: v for k, v in fields.items() if known.get(k) != v}
            if known["source"]["sha256"] == fields["source"]["sha256"]:
                changed.pop("source", None)  # the same text under another file name
            if not changed:
                return
            existing.amend(fields=changed, meta=self.amend_meta)
            self.touched.append(existing)
            self.report.amended.append(f"plan:{self.plan.id}")

    def _targets(self) -> None:
        for target in self.plan.targets:
            indicators = [i.model_dump(mode="python") for i in target.indicators]
            ref = f"target:{self.plan.id}:{target.number}"
            existing: Target | None = self._existing(
                Target, ids.target_id(self.plan.id, target.number)
            )
            if existing is None:
                self.touched.append(
                    Target.register(
                        plan=self.plan.id,
                        number=target.number,
                        text_=target.text,
                        indicators=indicators,
                        source_line=target.line,
                        meta=self.meta,
                    )
                )
                self.report.registered.append(ref)
                continue
            if existing.wording != target.text or existing.indicators != {
                i["code"]: i for i in indicators
            }:
                existing.amend(wording=target.text, indicators=indicators, meta=self.amend_meta)
                self.touched.append(existing)
                self.report.amended.append(ref)

    def _tasks(self) -> None:
        for task in self.plan.tasks:
            ref = f"task:{self.plan.id}:{task.number}"
            existing: Task | None = self._existing(Task, ids.task_id(self.plan.id, task.number))
            if existing is None:
                self.touched.append(
                    Task.register(
                        plan=self.plan.id,
                        number=task.number,
                        parent=task.parent,
                        area=task.area,
                        content=task.content,
                        lead=[self.local(c) for c in task.lead],
                        coordinating=[self.local(c) for c in task.coordinating],
                        lead_text=task.lead_text,
                        coordinating_text=task.coordinating_text,
                        timeframe_text=task.timeframe.text,
                        start=task.timeframe.start,
                        due=task.timeframe.due,
                        product=task.product,
                        source_line=task.line,
                        meta=self.meta,
                    )
                )
                self.report.registered.append(ref)
            elif self._amend_task(existing, task):
                self.touched.append(existing)
                self.report.amended.append(ref)

    def _amend_task(self, existing: Task, task: Any) -> bool:
        before = existing.version
        wording = {
            "content": task.content,
            "product": task.product,
            "timeframe_text": task.timeframe.text,
            "lead_text": task.lead_text,
            "coordinating_text": task.coordinating_text,
        }
        changed = {k: v for k, v in wording.items() if getattr(existing, k) != v}
        if changed:
            existing.amend(changes=changed, meta=self.amend_meta)
        window = (task.timeframe.start, task.timeframe.due)
        if window != (existing.start, existing.due) and task.timeframe.due is not None:
            existing.change_deadline(
                start=task.timeframe.start, due=task.timeframe.due, meta=self.amend_meta
            )
        lead = [self.local(c) for c in task.lead]
        coordinating = [self.local(c) for c in task.coordinating]
        if (tuple(lead), tuple(coordinating)) != (existing.lead, existing.coordinating):
            existing.reassign(lead=lead, coordinating=coordinating, meta=self.amend_meta)
        return existing.version != before


class ImportPlan(Command):
    """A plan file imported: the file is read by the caller (``parledger plan import``), so
    the command carries what identifies it, the plan and its text's SHA-256."""

    operation = "import_plan"  # declared without a route: no subcommand nor endpoint derived

    plan: str
    sha256: str


def import_plan(app: ParLedger, plan: PlanFile, ctx: CommandContext) -> ImportReport:
    """Import ``plan`` as one atomic command; returns what was registered and amended."""
    access.require(ctx.actor, access.MANAGE_PLAN)
    report = ImportReport(plan=plan.id)

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        return _Importer(app, plan, meta, report, ctx.effective_at is not None).run()

    report.result = app.execute(ctx, ImportPlan(plan=plan.id, sha256=plan.source.sha256), decide)
    return report

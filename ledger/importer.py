"""Put a plan file into the ledger: register what is new, amend what changed, withdraw what
the text no longer has, all at once.

The whole import is one command, appended in one transaction: a plan is never half imported.
Importing the same text twice (under any file name) records nothing; a changed text records
amendments, and withdrawals of the areas, targets and tasks it dropped, each naming the file's
hash in its reason. Whatever the importer carries of a task is amended by the task's own event,
removals included: a deadline the text dropped (``DeadlineChanged`` to no date), another area
or heading (``Moved``), a lead the text no longer names (``Reassigned`` to none); so the plan
after a re-import equals the plan a fresh import of the same text makes.
:func:`check_import` lists those changes without writing anything.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from domain import ids
from domain.agency import Agency, AgencyGroup
from domain.base import LedgerAggregate
from domain.errors import InvalidValue, NotFound, RuleViolation
from domain.plan import Plan
from domain.target import Target
from domain.task import Task
from domain.unit import PARENT_LEVELS, Unit
from domain.values import VN_TZ, EventMeta
from ledger import access
from ledger.application import ParLedger
from ledger.commands import Command
from ledger.context import CommandContext
from ledger.import_report import ADDED, CHANGED, REINSTATED, WITHDRAWN, ImportReport
from ledger.scope import lineage
from planfile.schema import PlanFile
from planfile.units import unit_of


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


def _reason_meta(meta: EventMeta, reason: str) -> EventMeta:
    """``meta`` with the caller's reason, or ``reason`` when the caller gave none."""
    return replace(meta, reason=meta.reason or reason)


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
        source = f"tệp kế hoạch {plan.source.file} (sha256 {plan.source.sha256[:12]})"
        if not explicit_effective:
            # A plan's entities exist from the plan's own date, so that replay "as of" any day
            # of its year sees them; amendments from a later file take effect when recorded.
            start = plan.document.date or date(plan.year, 1, 1)
            self.meta = replace(meta, effective_at=datetime.combine(start, time.min, VN_TZ))
        self.amend_meta = _reason_meta(meta, f"Cập nhật từ {source}")
        self.withdraw_meta = _reason_meta(meta, f"Không còn trong {source}: rút khỏi kế hoạch")
        self.reinstate_meta = _reason_meta(meta, f"Có lại trong {source}")

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

    def _touch(self, aggregate: LedgerAggregate) -> None:
        if aggregate not in self.touched:
            self.touched.append(aggregate)

    def _unit(self) -> None:
        """The plan's unit, established from what its heading says when the ledger does not
        know it yet, with the province the text names as its parent (that province is
        established too when the ledger does not know it). A text naming none leaves the
        parent unrecorded (the parser warned: ``no_province``); ``parledger unit add``
        records units with their parents before their plans are imported."""
        unit_code, level = plan_unit(self.plan)
        existing: Unit | None = self._existing(Unit, ids.unit_id(unit_code))
        if existing is None:
            self.touched.append(
                Unit.establish(
                    unit_code=unit_code,
                    name=self.plan.unit,
                    level_=level,
                    parent=self._province(level),
                    meta=self.meta,
                )
            )
            self.report.note(ADDED, f"unit:{unit_code}")
        else:
            self._parent_of(existing)

    def _parent_of(self, unit: Unit) -> None:
        """A unit the ledger knows: without a parent, it gets the province the text names
        (``ParentRecorded``, effective when recorded); with one, the text must agree with
        the units recorded above it, or the import is refused, naming the line."""
        named = self.plan.province
        if named is None or "province" not in PARENT_LEVELS[unit.level]:
            return
        line = self.plan.province_line
        code = unit_of(named)[0]
        if unit.parent is None:
            parent = self._province(unit.level)
            if parent is None:
                return
            # never before the unit itself: the parent register would keep the unit's none
            meta = replace(
                self.amend_meta, effective_at=max(self.amend_meta.effective_at, unit.established_at)
            )
            unit.record_parent(parent=parent, meta=meta)
            self._touch(unit)
            self.report.note(
                CHANGED, f"unit:{unit.code}", line, ("parent",), (f"đơn vị cấp trên: {named}",)
            )
            return
        above = lineage(self.app, unit.code)[1:]
        if code in above:
            return
        top: Unit | None = self._existing(Unit, ids.unit_id(above[-1]))
        if top is not None and top.level != "province" and top.parent is None:
            return  # the chain stops below any province: nothing the text contradicts
        where = f"dòng {line}: " if line else ""
        raise InvalidValue(
            f"{where}văn bản nêu {self.plan.unit} thuộc {named} (mã {code}), nhưng sổ cái ghi "
            f"đơn vị cấp trên của {unit.name} là {unit.parent}: tệp không được nạp, không có gì "
            "được ghi; hãy kiểm tra tỉnh, thành phố mà văn bản nêu",
            field="unit",
        )

    def _province(self, level: str) -> str | None:
        """The code of the province the text names, known to the ledger as a province or
        established here; None when the text names none, or for a unit whose parent is not a
        province (a town's is its district, which the text does not name)."""
        if self.plan.province is None or "province" not in PARENT_LEVELS[level]:
            return None
        code = unit_of(self.plan.province)[0]
        found: Unit | None = self._existing(Unit, ids.unit_id(code))
        if found is None:
            self.touched.append(
                Unit.establish(
                    unit_code=code,
                    name=self.plan.province,
                    level_="province",
                    parent=None,
                    meta=self.meta,
                )
            )
            self.report.note(ADDED, f"unit:{code}")
        elif found.level != "province":
            line = self.plan.province_line
            raise InvalidValue(
                f"{f'dòng {line}: ' if line else ''}văn bản nêu {self.plan.province} là đơn vị "
                f"cấp trên của {self.plan.unit}, "
                f"nhưng mã {code} trong sổ cái là đơn vị cấp {found.level}, không phải cấp tỉnh",
                field="unit",
            )
        return code

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
                self.report.note(ADDED, f"agency:{code}")
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
                self.report.note(ADDED, f"group:{code}")

    def _plan(self) -> None:
        fields = _plan_fields(self.plan)
        ref = f"plan:{self.plan.id}"
        existing: Plan | None = self._existing(Plan, ids.plan_id(self.plan.id))
        if existing is None:
            self.touched.append(Plan.register(plan=self.plan.id, fields=fields, meta=self.meta))
            self.report.note(ADDED, ref)
            for area in self.plan.areas:
                self.report.note(ADDED, self._area_ref(area.code), area.line)
            return
        before = {a["code"]: a for a in existing.fields["areas"]}
        self._areas(existing)
        # A plan registered before units existed is the legacy unit's yearly plan; its areas
        # are those not withdrawn (the listing keeps withdrawn ones until amended).
        known = {
            "unit_code": existing.unit_code,
            "kind": "unit_yearly",
            **existing.fields,
            "areas": existing.live_areas,
        }
        changed = {k: v for k, v in fields.items() if known.get(k) != v}
        if known["source"]["sha256"] == fields["source"]["sha256"]:
            changed.pop("source", None)  # the same text under another file name
        if not changed:
            return
        existing.amend(fields=changed, meta=self.amend_meta)
        self._touch(existing)
        self.report.note(CHANGED, ref, fields=tuple(sorted(changed)))
        for area in self.plan.areas:
            old = before.get(area.code)
            if old is None:
                self.report.note(ADDED, self._area_ref(area.code), area.line)
            elif _without_line(old) != _without_line(area.model_dump(mode="python")):
                self.report.note(CHANGED, self._area_ref(area.code), area.line)

    def _area_ref(self, code: str) -> str:
        return f"area:{self.plan.id}:{code}"

    def _areas(self, plan: Plan) -> None:
        """Withdraw the areas the text dropped, bring back those it has again."""
        listed = {a.code: a.line for a in self.plan.areas}
        for area in [a for a in plan.live_areas if a["code"] not in listed]:
            plan.withdraw_area(area=area["code"], meta=self.withdraw_meta)
            self.report.note(WITHDRAWN, self._area_ref(area["code"]), area.get("line"))
        for code, line in listed.items():
            if code in plan.withdrawn_areas:
                plan.reinstate_area(area=code, meta=self.reinstate_meta)
                self.report.note(REINSTATED, self._area_ref(code), line)
        if plan.pending_events:
            self._touch(plan)

    def _withdraw_missing(self, cls: type[Target] | type[Task], numbers: set[Any]) -> None:
        """Withdraw the plan's targets or tasks that the text no longer has."""
        for member in self.app.plan_members(self.plan.id, cls):
            if member.number not in numbers and not member.withdrawn:
                member.withdraw(meta=self.withdraw_meta)
                self._touch(member)
                ref = f"{cls.ENTITY}:{self.plan.id}:{member.number}"
                self.report.note(WITHDRAWN, ref, member.source_line)

    def _reinstated(self, existing: Target | Task, ref: str, line: int) -> None:
        if existing.withdrawn:
            existing.reinstate(meta=self.reinstate_meta)
            self._touch(existing)
            self.report.note(REINSTATED, ref, line)

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
                self.report.note(ADDED, ref, target.line)
                continue
            self._reinstated(existing, ref, target.line)
            if existing.would_change(wording=target.text, indicators=indicators):
                existing.amend(wording=target.text, indicators=indicators, meta=self.amend_meta)
                self._touch(existing)
                self.report.note(CHANGED, ref, target.line)
        self._withdraw_missing(Target, {t.number for t in self.plan.targets})

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
                self.report.note(ADDED, ref, task.line)
                continue
            self._reinstated(existing, ref, task.line)
            try:
                fields, detail = self._amend_task(existing, task)
            except (InvalidValue, RuleViolation) as refused:
                # The task's rules refuse the change (a cancelled task is not reassigned):
                # nothing is written, and the reader is told which row of the text it is.
                raise type(refused)(
                    f"dòng {task.line}, nhiệm vụ {task.number}: {refused.message}",
                    field=refused.field,
                ) from refused
            if fields:
                self._touch(existing)
                self.report.note(CHANGED, ref, task.line, fields, detail)
        self._withdraw_missing(Task, {t.number for t in self.plan.tasks})

    def _amend_task(self, existing: Task, task: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Record what the text changes about a task: its wording, its place in the plan, its
        time frame, its agencies, each as the task's own event. Returns the names of what
        changed and, in Vietnamese, how its place, time frame and lead changed."""
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
        names, detail = sorted(changed), []
        if (task.area, task.parent) != (existing.area, existing.parent):
            if task.area != existing.area:
                names.append("area")
                detail.append(f"lĩnh vực: {existing.area} → {task.area}")
            if task.parent != existing.parent:
                names.append("parent")
                detail.append(f"mục cha: {_or_none(existing.parent)} → {_or_none(task.parent)}")
            existing.move(area=task.area, parent=task.parent, meta=self.amend_meta)
        window = (task.timeframe.start, task.timeframe.due)
        if window != (existing.start, existing.due):
            detail.append(f"thời hạn: {_window_vn(existing)} → {_window_vn(task.timeframe)}")
            existing.reschedule(
                start=task.timeframe.start, due=task.timeframe.due, meta=self.amend_meta
            )
            names.append("due")
        lead = [self.local(c) for c in task.lead]
        coordinating = [self.local(c) for c in task.coordinating]
        if (tuple(lead), tuple(coordinating)) != (existing.lead, existing.coordinating):
            if tuple(lead) != existing.lead:
                detail.append(
                    f"cơ quan chủ trì: {_or_none(', '.join(existing.lead))} → "
                    f"{_or_none(', '.join(lead))}"
                )
            existing.reassign(
                lead=lead, coordinating=coordinating, meta=self.amend_meta, lead_required=False
            )
            names.append("lead")
        return tuple(names), tuple(detail)


def _or_none(value: str | None) -> str:
    return value or "không có"


def _window_vn(item: Any) -> str:
    """A task's time frame as a reader checks it: "01/03/2023–30/06/2023", "hạn 30/06/2023",
    or "không có hạn"."""
    start, due = item.start, item.due
    if due is None:
        return "không có hạn" if start is None else f"từ {start:%d/%m/%Y}, không có hạn"
    return f"hạn {due:%d/%m/%Y}" if start is None else f"{start:%d/%m/%Y}–{due:%d/%m/%Y}"


def _without_line(area: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in area.items() if k != "line"}


class ImportPlan(Command):
    """A plan file imported: the file is read by the caller (``parledger plan import``), so
    the command carries what identifies it, the plan and its text's SHA-256."""

    operation = "import_plan"  # declared without a route: no subcommand nor endpoint derived

    plan: str
    sha256: str


def import_plan(app: ParLedger, plan: PlanFile, ctx: CommandContext) -> ImportReport:
    """Import ``plan`` as one atomic command; returns what it registered, amended, withdrew
    and reinstated."""
    access.require(ctx.actor, access.MANAGE_PLAN)
    report = ImportReport(plan=plan.id)

    def decide(meta: EventMeta) -> list[LedgerAggregate]:
        return _Importer(app, plan, meta, report, ctx.effective_at is not None).run()

    report.result = app.execute(ctx, ImportPlan(plan=plan.id, sha256=plan.source.sha256), decide)
    return report


def check_import(app: ParLedger, plan: PlanFile, ctx: CommandContext) -> ImportReport:
    """What importing ``plan`` would change, decided exactly as :func:`import_plan` decides,
    with nothing written (the aggregates loaded are copies, dropped afterwards)."""
    access.require(ctx.actor, access.MANAGE_PLAN)
    report = ImportReport(plan=plan.id)
    _Importer(app, plan, app.meta(ctx), report, ctx.effective_at is not None).run()
    return report

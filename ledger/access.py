"""Who may do what (DESIGN.md, "Access"). Decided here, once, for the CLI and the API alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from domain.values import Actor, Role
from ledger.errors import Forbidden

MANAGE_USERS = "manage_users"
MANAGE_PLAN = "manage_plan"  # import, reassign, deadlines, cancel
MANAGE_DIRECTORY = "manage_directory"
REPORT_FIGURES = "report_figures"  # measurements and area scores
INSPECT = "inspect"
ERASE_PERSONAL_DATA = "erase_personal_data"  # the data protection officer's act
# Administrative units change by decisions of the State, which the ledger's administrator
# records: no unit's secretariat reorganises the country.
MANAGE_UNITS = "manage_units"
# The working-day calendar is the whole country's: only the ledger's administrator records a
# correction to it, with the document that decided it.
MANAGE_CALENDAR = "manage_calendar"
# Officers' writes, granted by role here and narrowed to their own agency by the use case
# (require_task_writer, require_dossier_writer).
WRITE_TASK = "write_task"  # progress, evidence, completion, reopening
WRITE_DOSSIER = "write_dossier"  # late dossiers and apologies
# Granted per entity: the use case decides with the entity loaded (so a stale version is
# still told as stale, whoever asks), not ParLedger.handle before it.
SCOPED = frozenset({WRITE_TASK, WRITE_DOSSIER})

_GRANTS: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset(
        {MANAGE_USERS, MANAGE_PLAN, MANAGE_DIRECTORY, REPORT_FIGURES, INSPECT}
        | {ERASE_PERSONAL_DATA, WRITE_TASK, WRITE_DOSSIER, MANAGE_UNITS, MANAGE_CALENDAR}
    ),
    # The secretariat administers users too, but never an administrator (require_user_admin).
    Role.SECRETARIAT: frozenset(
        {MANAGE_USERS, MANAGE_PLAN, MANAGE_DIRECTORY, REPORT_FIGURES, WRITE_TASK, WRITE_DOSSIER}
    ),
    Role.INSPECTOR: frozenset({INSPECT}),
    Role.AGENCY_OFFICER: frozenset({WRITE_TASK, WRITE_DOSSIER}),
    Role.AUDITOR: frozenset(),
    Role.READER: frozenset(),
}

_ACTION_WORDS = {
    MANAGE_USERS: "quản lý người dùng",
    MANAGE_PLAN: "thay đổi kế hoạch",
    MANAGE_DIRECTORY: "thay đổi danh mục cơ quan",
    REPORT_FIGURES: "ghi số liệu chỉ tiêu và điểm",
    INSPECT: "ghi nhận kiểm tra",
    ERASE_PERSONAL_DATA: "xoá dữ liệu cá nhân",
    WRITE_TASK: "cập nhật nhiệm vụ",
    WRITE_DOSSIER: "ghi nhận hồ sơ trễ hạn và xin lỗi",
    MANAGE_UNITS: "thay đổi danh mục đơn vị hành chính",
    MANAGE_CALENDAR: "điều chỉnh lịch ngày làm việc",
}

# Who reads the audit trail (the events: who changed what, when, why). Readers see the
# projections only; an officer sees the trail of their own agency's entities only.
_AUDIT_ALL = frozenset({Role.ADMIN, Role.SECRETARIAT, Role.INSPECTOR, Role.AUDITOR})


def can(actor: Actor, action: str) -> bool:
    return action in _GRANTS[actor.role]


def require(actor: Actor, action: str) -> None:
    if not can(actor, action):
        raise Forbidden(
            f"vai trò {actor.role.value} không được {_ACTION_WORDS[action]}", field="role"
        )


def require_task_writer(actor: Actor, covers: Callable[[str], bool]) -> None:
    """Officers write only to tasks whose agencies ``covers(agency)`` says include theirs (the
    task use case asks :func:`require_task_lead` and :func:`require_task_contributor`, which
    say why; this stays for callers that only ask whether)."""
    if actor.role in (Role.ADMIN, Role.SECRETARIAT):
        return
    if actor.role is Role.AGENCY_OFFICER and actor.agency and covers(actor.agency):
        return
    raise Forbidden(
        "chỉ cơ quan chủ trì hoặc phối hợp của nhiệm vụ mới được cập nhật nhiệm vụ này",
        field="agency",
    )


@dataclass(frozen=True)
class TaskParties:
    """Who a task names, within its plan's unit: the agencies named as lead and as
    coordinating (groups are names for many agencies: "Các cơ quan, đơn vị, địa phương",
    "UBND các xã, thị trấn" … and grant no write authority to any of them)."""

    number: str
    lead: frozenset[str]
    coordinating: frozenset[str]
    groups: frozenset[str]  # group codes among the lead and the coordinating


def _officer_agency(actor: Actor, action: str, who: str = "chủ trì") -> str:
    if actor.role is not Role.AGENCY_OFFICER or not actor.agency:
        raise Forbidden(
            f"vai trò {actor.role.value} không được {action}: chỉ cán bộ của cơ quan {who} "
            "hoặc bộ phận thường trực CCHC của đơn vị có kế hoạch mới được",
            field="role",
        )
    return actor.agency


def require_task_lead(actor: Actor, task: TaskParties, action: str) -> None:
    """Progress, evidence, completion, reopening: the lead agency's officers only (the
    secretariat and administrators are checked by :func:`require_unit_manager`)."""
    agency = _officer_agency(actor, action)
    if agency in task.lead:
        return
    if agency in task.coordinating:
        why = (
            f"cơ quan {agency} chỉ phối hợp thực hiện nhiệm vụ {task.number}: cơ quan phối hợp "
            "ghi nhận phần phối hợp của mình, không báo cáo tiến độ hay hoàn thành"
        )
    elif task.groups:
        why = (
            f"cơ quan {agency} không được nêu tên là cơ quan chủ trì nhiệm vụ {task.number}; "
            "nhóm cơ quan (như «Các cơ quan, đơn vị, địa phương») không trao quyền cập nhật"
        )
    else:
        why = f"cơ quan {agency} không chủ trì nhiệm vụ {task.number}"
    raise Forbidden(f"chỉ cơ quan chủ trì mới được {action}: {why}", field="agency")


def require_task_contributor(actor: Actor, task: TaskParties, agency: str) -> None:
    """A contribution is recorded by an officer of a coordinating agency named by the task,
    for that agency, never for another."""
    own = _officer_agency(actor, "ghi nhận phần phối hợp", "phối hợp")
    if own != agency:
        raise Forbidden(
            f"cán bộ của {own} chỉ ghi nhận phần phối hợp của cơ quan mình, không của {agency}",
            field="agency",
        )
    if agency not in task.coordinating:
        raise Forbidden(
            f"cơ quan {agency} không được nêu tên là cơ quan phối hợp của nhiệm vụ "
            f"{task.number}; nhóm cơ quan không trao quyền ghi nhận",
            field="agency",
        )


def require_unit_manager(
    actor: Actor, plan: str, units: Callable[[], tuple[str | None, str]]
) -> None:
    """Administrators manage every plan; a secretariat manages its own unit's plans only (one
    with no agency, hence no unit, is national, as administrators are). ``units`` reads the
    actor's unit and the plan's, only when the role leaves the answer to them."""
    if actor.role is Role.ADMIN:
        return
    if actor.role is not Role.SECRETARIAT:
        raise Forbidden(f"vai trò {actor.role.value} không quản lý kế hoạch", field="role")
    if actor.agency is None:
        return
    actor_unit, plan_unit = units()
    if actor_unit == plan_unit:
        return
    raise Forbidden(
        f"bộ phận thường trực CCHC của đơn vị {actor_unit or '(không rõ)'} chỉ quản lý kế hoạch "
        f"của đơn vị mình; kế hoạch {plan} thuộc đơn vị {plan_unit}",
        field="plan",
    )


def may_read_unit(actor: Actor, actor_unit: str | None, lineage: Iterable[str]) -> bool:
    """Read authority over a plan whose unit and its ancestors are ``lineage`` (the plan's
    unit first): a unit's secretariat reads its own unit's plans and every plan of the
    units under it (a province reads its communes'); the national roles read all."""
    if actor.role is not Role.SECRETARIAT or actor.agency is None:
        return True
    return actor_unit is not None and actor_unit in set(lineage)


def require_unit_reader(
    actor: Actor, actor_unit: str | None, plan: str, lineage: list[str]
) -> None:
    if not may_read_unit(actor, actor_unit, lineage):
        raise Forbidden(
            f"bộ phận thường trực CCHC của đơn vị {actor_unit or '(không rõ)'} chỉ xem kế hoạch "
            f"của đơn vị mình và các đơn vị trực thuộc; kế hoạch {plan} thuộc đơn vị "
            f"{lineage[0] if lineage else '(không rõ)'}",
            field="plan",
        )


def require_dossier_writer(actor: Actor, dossier_agency: str) -> None:
    """Officers record late dossiers and apologies of their own agency only."""
    if actor.role in (Role.ADMIN, Role.SECRETARIAT):
        return
    if actor.role is Role.AGENCY_OFFICER and actor.agency == dossier_agency:
        return
    raise Forbidden("chỉ cơ quan giải quyết hồ sơ mới được ghi nhận việc này", field="agency")


def require_user_admin(actor: Actor, *roles: str) -> None:
    """Only an administrator makes, changes, resets or revokes an administrator: the
    secretariat manages every other account (``roles``: the account's role before and
    after)."""
    require(actor, MANAGE_USERS)
    if actor.role is not Role.ADMIN and Role.ADMIN.value in roles:
        raise Forbidden("chỉ quản trị viên mới quản lý tài khoản quản trị", field="role")


def audit_scope(actor: Actor) -> str:
    """``all`` (the whole trail), ``agency`` (the actor's own agency's entities) or ``none``."""
    if actor.role in _AUDIT_ALL:
        return "all"
    if actor.role is Role.AGENCY_OFFICER and actor.agency:
        return "agency"
    return "none"


def require_audit_reader(actor: Actor, owners: Callable[[], Iterable[str]] | None) -> None:
    """The audit-trail rule, for the API, the pages and the CLI alike: ``owners`` gives the
    agencies an entity belongs to (groups expanded), None when the request is not about one
    entity (the whole trail)."""
    scope = audit_scope(actor)
    if scope == "all":
        return
    if scope == "agency" and owners is not None and actor.agency in set(owners()):
        return
    if scope == "agency":
        raise Forbidden(
            "cán bộ cơ quan chỉ xem nhật ký của nhiệm vụ, hồ sơ, cuộc kiểm tra thuộc cơ quan "
            "mình: hãy chọn một thực thể",
            field="entity",
        )
    raise Forbidden(
        f"vai trò {actor.role.value} chỉ xem các khung nhìn, không xem nhật ký kiểm toán",
        field="role",
    )

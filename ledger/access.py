"""Who may do what (DESIGN.md, "Access"). Decided here, once, for the CLI and the API alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable

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
        | {ERASE_PERSONAL_DATA, WRITE_TASK, WRITE_DOSSIER, MANAGE_UNITS}
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
    """Officers write only to tasks their agency leads or coordinates (``covers(agency)``
    tells whether the task's agencies, groups expanded, include it; asked only for them)."""
    if actor.role in (Role.ADMIN, Role.SECRETARIAT):
        return
    if actor.role is Role.AGENCY_OFFICER and actor.agency and covers(actor.agency):
        return
    raise Forbidden(
        "chỉ cơ quan chủ trì hoặc phối hợp của nhiệm vụ mới được cập nhật nhiệm vụ này",
        field="agency",
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

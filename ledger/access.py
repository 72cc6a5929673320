"""Who may do what (DESIGN.md, "Access"). Decided here, once, for the CLI and the API alike."""

from __future__ import annotations

from collections.abc import Callable

from domain.values import Actor, Role
from ledger.errors import Forbidden

MANAGE_USERS = "manage_users"
MANAGE_PLAN = "manage_plan"  # import, reassign, deadlines, cancel
MANAGE_DIRECTORY = "manage_directory"
REPORT_FIGURES = "report_figures"  # measurements and area scores
INSPECT = "inspect"
ERASE_PERSONAL_DATA = "erase_personal_data"  # the data protection officer's act

_GRANTS: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset(
        {MANAGE_USERS, MANAGE_PLAN, MANAGE_DIRECTORY, REPORT_FIGURES, INSPECT, ERASE_PERSONAL_DATA}
    ),
    Role.SECRETARIAT: frozenset({MANAGE_PLAN, MANAGE_DIRECTORY, REPORT_FIGURES}),
    Role.INSPECTOR: frozenset({INSPECT}),
    Role.AGENCY_OFFICER: frozenset(),
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
}


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


def require_unit_manager(actor: Actor) -> None:
    """Administrative units change by decisions of the State, which the ledger's
    administrator records: no unit's secretariat reorganises the country."""
    if actor.role is not Role.ADMIN:
        raise Forbidden(
            f"vai trò {actor.role.value} không được thay đổi danh mục đơn vị hành chính",
            field="role",
        )

"""Entity references as users type them: ``task:cat-hai-2023:1.b``, ``target:cat-hai-2023:7``,
``plan:cat-hai-2023``, ``agency:phong-tu-phap``, ``dossier:CODE``, ``inspection:UUID``,
``obligation:UUID``."""

from __future__ import annotations

from uuid import UUID

from domain import ids
from domain.errors import InvalidValue

KINDS = (
    "plan",
    "task",
    "target",
    "agency",
    "group",
    "dossier",
    "inspection",
    "user",
    "calendar",
    "obligation",
)
# The aggregate class behind each kind of reference (the index's ``entity`` column).
ENTITY_OF_KIND = {
    "plan": "Plan",
    "task": "Task",
    "target": "Target",
    "agency": "Agency",
    "group": "AgencyGroup",
    "dossier": "LateDossier",
    "inspection": "Inspection",
    "user": "User",
    "calendar": "CalendarYear",  # calendar:2025, the corrections of one year
    "obligation": "Obligation",
}


def parse_ref(ref: str) -> UUID:
    kind, _, rest = ref.partition(":")
    if kind not in KINDS or not rest:
        raise InvalidValue(
            f"tham chiếu {ref!r} không hợp lệ; dạng đúng: task:KẾ_HOẠCH:SỐ, target:KẾ_HOẠCH:SỐ, "
            "plan:KẾ_HOẠCH, agency:MÃ, group:MÃ, dossier:MÃ, inspection:UUID, user:TÊN, "
            "calendar:NĂM, obligation:UUID",
            field="entity",
        )
    if kind in ("task", "target"):
        plan, _, number = rest.partition(":")
        if not plan or not number:
            raise InvalidValue(f"thiếu số {kind} trong {ref!r}", field="entity")
        if kind == "task":
            return ids.task_id(plan, number)
        if not number.isdigit():
            raise InvalidValue(f"số chỉ tiêu phải là số nguyên: {number!r}", field="entity")
        return ids.target_id(plan, int(number))
    if kind == "calendar":
        if not rest.isdigit() or not 2000 <= int(rest) <= 2100:
            raise InvalidValue(f"năm của lịch phải là 2000–2100: {rest!r}", field="entity")
        return ids.calendar_year_id(int(rest))
    if kind in ("inspection", "obligation"):
        try:
            return UUID(rest)
        except ValueError:
            what = "cuộc kiểm tra" if kind == "inspection" else "nghĩa vụ"
            raise InvalidValue(f"mã {what} không phải UUID: {rest!r}", field="entity") from None
    makers = {
        "plan": ids.plan_id,
        "agency": ids.agency_id,
        "group": ids.group_id,
        "dossier": ids.dossier_id,
        "user": ids.user_id,
    }
    return makers[kind](rest)


def ref_of(aggregate: object) -> str:
    """The reference a user would type for ``aggregate`` (the inverse of ``parse_ref``)."""
    kind = type(aggregate).__name__
    get = aggregate.__dict__.get
    if kind in ("Task", "Target"):
        return f"{kind.lower()}:{get('plan')}:{get('number')}"
    if kind in _KEY_OF:
        return f"{_KIND_OF_ENTITY[kind]}:{get(_KEY_OF[kind])}"
    return f"{kind.lower()}:{getattr(aggregate, 'id', '')}"


_KIND_OF_ENTITY = {entity: kind for kind, entity in ENTITY_OF_KIND.items()}
# The attribute holding the natural key of the aggregates that have one of their own (tasks
# and targets have two parts; inspections and obligations are referred to by their id).
_KEY_OF = {
    "Plan": "code",
    "Agency": "code",
    "AgencyGroup": "code",
    "LateDossier": "dossier_code",
    "User": "name",
    "CalendarYear": "year",
}

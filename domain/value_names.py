"""Stored enumerated values as an official reads them: in the audit trail's and timelines'
before → after (``trạng thái: đang thực hiện → đã hoàn thành``, not ``in_progress →
completed``), in reports and on the pages. The stored value stays the JSON's; text says it in
Vietnamese. Each table is declared here once, beside the domain's enumerations, and the
reports and pages take theirs from it; a value not here is shown as stored."""

from __future__ import annotations

from typing import Any

from domain.inspection import InspectionKind, InspectionStatus
from domain.obligation import ObligationKind, ObligationStatus
from domain.task import TaskStatus
from domain.unit import LEVEL_NAMES
from domain.values import Role, Source

TASK_STATUS_VN: dict[str, str] = {
    TaskStatus.NOT_STARTED: "chưa thực hiện",
    TaskStatus.IN_PROGRESS: "đang thực hiện",
    TaskStatus.COMPLETED: "đã hoàn thành",
    TaskStatus.CANCELLED: "đã hủy",
}
INSPECTION_KIND_VN: dict[str, str] = {
    InspectionKind.PERIODIC: "định kỳ",
    InspectionKind.UNANNOUNCED: "đột xuất",
}
INSPECTION_STATUS_VN: dict[str, str] = {
    InspectionStatus.PLANNED: "đã lên kế hoạch",
    InspectionStatus.CONDUCTED: "đã kiểm tra",
    InspectionStatus.CONCLUDED: "đã có kết luận",
}
# An inspection finding, as the reports and pages say where it stands (stored as ``closed``).
FINDING_STATUS_VN: dict[str, str] = {"open": "chưa khắc phục xong", "closed": "đã khắc phục"}
MEASUREMENT_STATUS_VN: dict[str, str] = {
    "valid": "có hiệu lực",
    "superseded": "đã được thay thế",
    "retracted": "đã rút lại",
}
OBLIGATION_KIND_VN: dict[str, str] = {
    ObligationKind.APOLOGY: "xin lỗi",
    ObligationKind.REPORT: "báo cáo",
    ObligationKind.REMEDIATION: "khắc phục",
}
OBLIGATION_STATUS_VN: dict[str, str] = {
    ObligationStatus.OPEN: "đang mở",
    ObligationStatus.MET: "đã thực hiện đúng hạn",
    ObligationStatus.MET_LATE: "đã thực hiện muộn",
    ObligationStatus.MISSED: "bỏ lỡ",
    ObligationStatus.WAIVED: "được miễn",
}
SCORE_KIND_VN: dict[str, str] = {"self_assessed": "tự đánh giá", "appraised": "thẩm định"}
ROLE_VN: dict[str, str] = {
    Role.ADMIN: "quản trị",
    Role.SECRETARIAT: "thường trực CCHC",
    Role.AGENCY_OFFICER: "cán bộ cơ quan",
    Role.INSPECTOR: "thanh tra, kiểm tra",
    Role.AUDITOR: "kiểm toán",
    Role.READER: "người đọc",
}
SOURCE_VN: dict[str, str] = {
    Source.API: "API",
    Source.CLI: "dòng lệnh",
    Source.IMPORT: "nhập kế hoạch",
    Source.POLICY: "sổ cái tự ghi theo quy định",
}

# By the field that holds the value (the last part of a dotted path such as
# ``measurements.m-7b-1.status``); the statuses of different entities never share a value with
# different meanings.
VALUE_VN: dict[str, dict[str, str]] = {
    "status": {
        **TASK_STATUS_VN,
        **INSPECTION_STATUS_VN,
        **MEASUREMENT_STATUS_VN,
        **OBLIGATION_STATUS_VN,
    },
    "kind": {**INSPECTION_KIND_VN, **OBLIGATION_KIND_VN, **SCORE_KIND_VN},
    "role": dict(ROLE_VN),
    "source": dict(SOURCE_VN),
    "level": dict(LEVEL_NAMES),
}


def value_vn(field: str, value: Any) -> Any:
    """``value`` as an official reads it when the field ``field`` (a dotted path, or a key)
    holds an enumerated value this module names; any other value unchanged."""
    if not isinstance(value, str):
        return value
    names = VALUE_VN.get(field.rpartition(".")[2])
    return value if names is None else names.get(value, value)

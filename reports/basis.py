"""What a report rests on, named in every format: the reporting rule version its period was
computed under, the working-day calendar's version, the data window it used and, when the
report is due before that window closes, the days it could only know provisionally.

All of it comes from the period as the plan recorded it, never from today's rule data, so a
report re-rendered after a newer rule version is released names what it named when it was made.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from reports.data import Period
from reports.vn_dates import vn_date
from rules.reporting import by_ref, provisional_span

LEGACY = (
    "kỳ báo cáo như kế hoạch đã ghi trước khi sổ cái ghi phiên bản quy định "
    "(Nghị định 09/2019/NĐ-CP, Điều 12)"
)


def provisional_from(period: Period) -> date | None:
    """The first day of the window after the deadline (None when the window closes by it)."""
    span = provisional_span(period.due_effective or period.due, period.cutoff_to)
    return span[0] if span else None


def basis(period: Period) -> dict[str, Any]:
    """The rules and the window as data (the JSON report's ``basis``)."""
    found = by_ref(period.rule) if period.rule else None
    early = provisional_from(period)
    return {
        "reporting_rule": period.rule,
        "reporting_rule_source": found.version.legal_source if found else None,
        "calendar": period.calendar,
        "window": {
            "from": period.cutoff_from.isoformat(),
            "to": period.cutoff_to.isoformat(),
        },
        "due": period.due.isoformat(),
        "due_effective": (period.due_effective or period.due).isoformat(),
        "provisional": (
            {"from": early.isoformat(), "to": period.cutoff_to.isoformat()} if early else None
        ),
    }


def basis_lines(period: Period) -> list[str]:
    """The same, in Vietnamese sentences for the Word document and the workbook's cover."""
    if period.rule is None:
        rule = LEGACY
    else:
        found = by_ref(period.rule)
        rule = f"{period.rule} ({found.version.legal_source})" if found else period.rule
    due = f"hạn gửi {vn_date(period.due)}"
    if period.due_effective and period.due_effective != period.due:
        due += (
            f", là ngày nghỉ nên hết hạn vào cuối ngày làm việc {vn_date(period.due_effective)} "
            "(Bộ luật Dân sự 2015, Điều 148)"
        )
    lines = [
        f"Quy định về kỳ báo cáo: {rule}.",
        f"Kỳ số liệu: từ {vn_date(period.cutoff_from)} đến {vn_date(period.cutoff_to)}; {due}.",
    ]
    early = provisional_from(period)
    if early is not None:
        lines.append(
            f"Báo cáo phải gửi trước khi hết kỳ số liệu: số liệu từ {vn_date(early)} đến "
            f"{vn_date(period.cutoff_to)} là những gì sổ cái biết khi lập báo cáo (ước tính); "
            "những gì ghi nhận sau đó được nêu ở phần đối chiếu báo cáo đã nộp."
        )
    if period.calendar:
        lines.append(f"Lịch ngày làm việc dùng để tính hạn: {period.calendar}.")
    return lines

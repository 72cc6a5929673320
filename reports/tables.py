"""The five tables of a report (tasks, targets, scores, inspections, apologies) that Excel
sheets, Word tables and CSV sections all show, made from one :class:`reports.data.Facts`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple

from domain.value_names import FINDING_STATUS_VN, INSPECTION_KIND_VN, INSPECTION_STATUS_VN
from projections.views import STATUS_VN, TASK_STATUSES
from reports.data import Facts
from reports.vn_dates import iso_day

Cell = str | int | Decimal | date | None

YES_NO = {True: "có", False: "không", None: "chưa xác định"}


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int = 14  # a hint for spreadsheets, in characters


@dataclass(frozen=True)
class Table:
    name: str  # the sheet's key: tasks, targets, scores, inspections, apologies
    title: str  # the sheet's and the section's title, in Vietnamese
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]]


def _dec(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


Field = tuple[Column, Callable[[Any], Cell]]


def _field(key: str, title: str, width: int, cell: Callable[[Any], Cell] | None = None) -> Field:
    """A column beside how one record gives its cell (by default the record's ``key``), so
    that a title and its value cannot drift apart."""
    return Column(key, title, width), cell or itemgetter(key)


def _table(name: str, title: str, fields: Sequence[Field], records: Iterable[Any]) -> Table:
    """One row a record, one cell a field."""
    rows = [tuple(cell(record) for _, cell in fields) for record in records]
    return Table(name, title, tuple(column for column, _ in fields), rows)


def task_table(facts: Facts) -> Table:
    fields = (
        _field("number", "STT", 6),
        _field("content", "Nội dung nhiệm vụ", 60),
        _field("area", "Lĩnh vực", 9),
        _field("lead", "Cơ quan chủ trì", 30, lambda r: facts.names_of(r["lead"])),
        _field("coordinating", "Cơ quan phối hợp", 30, lambda r: facts.names_of(r["coordinating"])),
        _field(
            "timeframe",
            "Thời gian thực hiện (theo kế hoạch)",
            22,
            lambda r: facts.timeframes.get(r["number"], ""),
        ),
        _field("due", "Hạn hoàn thành", 14, lambda r: iso_day(r["due"])),
        _field("status", "Trạng thái", 20, lambda r: STATUS_VN[r["status"]]),
        _field("completed_on", "Ngày hoàn thành", 14, lambda r: iso_day(r["completed_on"])),
        _field("percent", "Tiến độ (%)", 10),
    )
    return _table("tasks", "Nhiệm vụ", fields, facts.views["task_board"]["tasks"])


def target_table(facts: Facts) -> Table:
    fields = (
        _field("target", "Chỉ tiêu", 8),
        _field("indicator", "Chỉ số", 8),
        _field("label", "Nội dung", 60),
        _field("threshold", "Yêu cầu", 18),
        _field("value", "Kết quả", 10, lambda r: _dec(r["value"])),
        _field("status", "Đánh giá", 20, lambda r: STATUS_VN[r["status"]]),
        _field(
            "source", "Nguồn số liệu", 14, lambda r: "tính từ sổ cái" if r["derived"] else "báo cáo"
        ),
        _field("basis", "Căn cứ", 50),
    )
    return _table("targets", "Chỉ tiêu", fields, facts.views["target_attainment"]["indicators"])


def score_table(facts: Facts) -> Table:
    fields = (
        _field("area", "Lĩnh vực", 9),
        _field("name", "Tên lĩnh vực", 50),
        _field("target_score", "Điểm phấn đấu", 12, lambda a: _dec(a["target_score"])),
        _field("max_score", "Điểm tối đa", 12, lambda a: _dec(a["max_score"])),
        _field("self_assessed", "Điểm tự chấm", 12, lambda a: _dec(a["self_assessed"])),
        _field("appraised", "Điểm thẩm định", 12, lambda a: _dec(a["appraised"])),
    )
    scores = facts.views["area_scores"]
    table = _table("scores", "Điểm lĩnh vực", fields, scores["areas"])
    total = scores["total"]
    assessed = any(a["self_assessed"] is not None for a in scores["areas"])
    appraised = any(a["appraised"] is not None for a in scores["areas"])
    table.rows.append(
        (
            "Tổng",
            "",
            _dec(total["target"]),
            _dec(total["max"]),
            _dec(total["self_assessed"]) if assessed else None,
            _dec(total["appraised"]) if appraised else None,
        )
    )
    return table


def _vn(words: dict[str, str]) -> Callable[[str], str]:
    """A stored code in Vietnamese, or the code itself when the table has no word for it."""
    return lambda value: words.get(value, value)


def _finding_status(f: dict[str, Any]) -> str:
    status = FINDING_STATUS_VN.get(f["status"], f["status"])
    return f"{status} (quá hạn)" if f["overdue"] else status


def _remediation(f: dict[str, Any]) -> str | None:
    evidence = "; ".join(
        f"{r['description']} ({r['document_number'] or 'không số'})" for r in f["remediation"]
    )
    return evidence or None


def _conclusion(conclusion: dict[str, Any] | None) -> str | None:
    return f"{conclusion['notice_number']} ({conclusion['summary']})" if conclusion else None


class _Inspected(NamedTuple):
    """One row of the inspection table: a finding with its inspection, or an inspection
    without findings (``finding`` None, its cells empty)."""

    agency: str
    inspection: dict[str, Any]
    finding: dict[str, Any] | None


def _of_finding(cell: Callable[[dict[str, Any]], Cell]) -> Callable[[_Inspected], Cell]:
    return lambda r: None if r.finding is None else cell(r.finding)


def inspection_table(facts: Facts) -> Table:
    def inspection(key: str, shown: Callable[[Any], Cell] = lambda v: v) -> Callable[..., Cell]:
        return lambda r: shown(r.inspection[key])

    fields = (
        _field("agency", "Cơ quan được kiểm tra", 30, lambda r: facts.name(r.agency)),
        _field("kind", "Hình thức", 10, inspection("kind", _vn(INSPECTION_KIND_VN))),
        _field("scope", "Nội dung kiểm tra", 40, inspection("scope")),
        _field("scheduled_on", "Ngày dự kiến", 13, inspection("scheduled_on", iso_day)),
        _field("conducted_on", "Ngày kiểm tra", 13, inspection("conducted_on", iso_day)),
        _field("status", "Tình trạng", 16, inspection("status", _vn(INSPECTION_STATUS_VN))),
        _field("conclusion", "Thông báo kết luận", 24, inspection("conclusion", _conclusion)),
        _field("finding", "Phát hiện", 40, _of_finding(itemgetter("finding"))),
        _field("recommendation", "Kiến nghị", 40, _of_finding(itemgetter("recommendation"))),
        _field("deadline", "Hạn khắc phục", 13, _of_finding(lambda f: iso_day(f["deadline"]))),
        _field("remediation_status", "Khắc phục", 18, _of_finding(_finding_status)),
        _field("remediation", "Bằng chứng khắc phục", 40, _of_finding(_remediation)),
    )
    records = [
        _Inspected(code, item, finding)
        for code, items in facts.views["inspection_history"]["agencies"].items()
        for item in items
        for finding in item["findings"] or [None]
    ]
    return _table("inspections", "Kiểm tra", fields, records)


def apology_table(facts: Facts) -> Table:
    fields = (
        _field("dossier", "Mã hồ sơ", 16),
        _field("procedure", "Thủ tục hành chính", 40),
        _field("agency", "Cơ quan giải quyết", 28, lambda r: facts.name(r["agency"])),
        _field("received_on", "Ngày tiếp nhận", 13, lambda r: iso_day(r["received_on"])),
        _field("due_on", "Hạn trả kết quả", 13, lambda r: iso_day(r["due_on"])),
        _field(
            "apology_on",
            "Ngày gửi phiếu xin lỗi",
            13,
            lambda r: iso_day(min((a["issued_on"] for a in r["apologies"]), default=None)),
        ),
        _field("in_time", "Xin lỗi đúng hạn", 11, lambda r: YES_NO[r["apology_in_time"]]),
        _field("new_appointment", "Ngày hẹn lại", 13, lambda r: iso_day(r["new_appointment"])),
        _field("returned_on", "Ngày trả kết quả", 13, lambda r: iso_day(r["returned_on"])),
        _field("kept", "Đúng hẹn lại", 11, lambda r: YES_NO[r["appointment_kept"]]),
    )
    return _table(
        "apologies", "Hồ sơ trễ hạn và xin lỗi", fields, facts.views["apology_register"]["dossiers"]
    )


def tables(facts: Facts) -> list[Table]:
    """The five tables, in the order of the report's sections."""
    return [
        task_table(facts),
        target_table(facts),
        score_table(facts),
        inspection_table(facts),
        apology_table(facts),
    ]


def status_counts(facts: Facts) -> dict[str, int]:
    """Leaf tasks by status, every status present (zero when none)."""

    found = facts.views["task_board"]["by_status"]
    return {s: int(found.get(s, 0)) for s in TASK_STATUSES}

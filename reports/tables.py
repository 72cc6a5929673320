"""The five tables of a report (tasks, targets, scores, inspections, apologies) that Excel
sheets, Word tables and CSV sections all show, made from one :class:`reports.data.Facts`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from projections.views import STATUS_VN, TASK_STATUSES
from reports.data import Facts
from reports.vn_dates import iso_day

Cell = str | int | Decimal | date | None

INSPECTION_KIND_VN = {"periodic": "định kỳ", "unannounced": "đột xuất"}
INSPECTION_STATUS_VN = {
    "planned": "đã lên kế hoạch",
    "conducted": "đã kiểm tra",
    "concluded": "đã có kết luận",
}
FINDING_STATUS_VN = {"open": "chưa khắc phục xong", "closed": "đã khắc phục"}
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


def task_table(facts: Facts) -> Table:
    columns = (
        Column("number", "STT", 6),
        Column("content", "Nội dung nhiệm vụ", 60),
        Column("area", "Lĩnh vực", 9),
        Column("lead", "Cơ quan chủ trì", 30),
        Column("coordinating", "Cơ quan phối hợp", 30),
        Column("timeframe", "Thời gian thực hiện (theo kế hoạch)", 22),
        Column("due", "Hạn hoàn thành", 14),
        Column("status", "Trạng thái", 20),
        Column("completed_on", "Ngày hoàn thành", 14),
        Column("percent", "Tiến độ (%)", 10),
    )
    rows: list[tuple[Cell, ...]] = [
        (
            r["number"],
            r["content"],
            r["area"],
            facts.names_of(r["lead"]),
            facts.names_of(r["coordinating"]),
            facts.timeframes.get(r["number"], ""),
            iso_day(r["due"]),
            STATUS_VN[r["status"]],
            iso_day(r["completed_on"]),
            r["percent"],
        )
        for r in facts.views["task_board"]["tasks"]
    ]
    return Table("tasks", "Nhiệm vụ", columns, rows)


def target_table(facts: Facts) -> Table:
    columns = (
        Column("target", "Chỉ tiêu", 8),
        Column("indicator", "Chỉ số", 8),
        Column("label", "Nội dung", 60),
        Column("threshold", "Yêu cầu", 18),
        Column("value", "Kết quả", 10),
        Column("status", "Đánh giá", 20),
        Column("source", "Nguồn số liệu", 14),
        Column("basis", "Căn cứ", 50),
    )
    rows: list[tuple[Cell, ...]] = [
        (
            r["target"],
            r["indicator"],
            r["label"],
            r["threshold"],
            _dec(r["value"]),
            STATUS_VN[r["status"]],
            "tính từ sổ cái" if r["derived"] else "báo cáo",
            r["basis"],
        )
        for r in facts.views["target_attainment"]["indicators"]
    ]
    return Table("targets", "Chỉ tiêu", columns, rows)


def score_table(facts: Facts) -> Table:
    columns = (
        Column("area", "Lĩnh vực", 9),
        Column("name", "Tên lĩnh vực", 50),
        Column("target_score", "Điểm phấn đấu", 12),
        Column("max_score", "Điểm tối đa", 12),
        Column("self_assessed", "Điểm tự chấm", 12),
        Column("appraised", "Điểm thẩm định", 12),
    )
    scores = facts.views["area_scores"]
    rows: list[tuple[Cell, ...]] = [
        (
            a["area"],
            a["name"],
            _dec(a["target_score"]),
            _dec(a["max_score"]),
            _dec(a["self_assessed"]),
            _dec(a["appraised"]),
        )
        for a in scores["areas"]
    ]
    total = scores["total"]
    assessed = any(a["self_assessed"] is not None for a in scores["areas"])
    appraised = any(a["appraised"] is not None for a in scores["areas"])
    rows.append(
        (
            "Tổng",
            "",
            _dec(total["target"]),
            _dec(total["max"]),
            _dec(total["self_assessed"]) if assessed else None,
            _dec(total["appraised"]) if appraised else None,
        )
    )
    return Table("scores", "Điểm lĩnh vực", columns, rows)


def inspection_table(facts: Facts) -> Table:
    columns = (
        Column("agency", "Cơ quan được kiểm tra", 30),
        Column("kind", "Hình thức", 10),
        Column("scope", "Nội dung kiểm tra", 40),
        Column("scheduled_on", "Ngày dự kiến", 13),
        Column("conducted_on", "Ngày kiểm tra", 13),
        Column("status", "Tình trạng", 16),
        Column("conclusion", "Thông báo kết luận", 24),
        Column("finding", "Phát hiện", 40),
        Column("recommendation", "Kiến nghị", 40),
        Column("deadline", "Hạn khắc phục", 13),
        Column("remediation_status", "Khắc phục", 18),
        Column("remediation", "Bằng chứng khắc phục", 40),
    )
    rows: list[tuple[Cell, ...]] = []
    for code, items in facts.views["inspection_history"]["agencies"].items():
        for item in items:
            conclusion = item["conclusion"]
            head: tuple[Cell, ...] = (
                facts.name(code),
                INSPECTION_KIND_VN.get(item["kind"], item["kind"]),
                item["scope"],
                iso_day(item["scheduled_on"]),
                iso_day(item["conducted_on"]),
                INSPECTION_STATUS_VN.get(item["status"], item["status"]),
                f"{conclusion['notice_number']} ({conclusion['summary']})" if conclusion else None,
            )
            if not item["findings"]:
                rows.append((*head, None, None, None, None, None))
            for f in item["findings"]:
                status = FINDING_STATUS_VN.get(f["status"], f["status"])
                if f["overdue"]:
                    status += " (quá hạn)"
                evidence = "; ".join(
                    f"{r['description']} ({r['document_number'] or 'không số'})"
                    for r in f["remediation"]
                )
                finding = (f["finding"], f["recommendation"], iso_day(f["deadline"]))
                rows.append((*head, *finding, status, evidence or None))
    return Table("inspections", "Kiểm tra", columns, rows)


def apology_table(facts: Facts) -> Table:
    columns = (
        Column("dossier", "Mã hồ sơ", 16),
        Column("procedure", "Thủ tục hành chính", 40),
        Column("agency", "Cơ quan giải quyết", 28),
        Column("received_on", "Ngày tiếp nhận", 13),
        Column("due_on", "Hạn trả kết quả", 13),
        Column("apology_on", "Ngày gửi phiếu xin lỗi", 13),
        Column("in_time", "Xin lỗi đúng hạn", 11),
        Column("new_appointment", "Ngày hẹn lại", 13),
        Column("returned_on", "Ngày trả kết quả", 13),
        Column("kept", "Đúng hẹn lại", 11),
    )
    rows: list[tuple[Cell, ...]] = []
    for r in facts.views["apology_register"]["dossiers"]:
        first = min((a["issued_on"] for a in r["apologies"]), default=None)
        rows.append(
            (
                r["dossier"],
                r["procedure"],
                facts.name(r["agency"]),
                iso_day(r["received_on"]),
                iso_day(r["due_on"]),
                iso_day(first),
                YES_NO[r["apology_in_time"]],
                iso_day(r["new_appointment"]),
                iso_day(r["returned_on"]),
                YES_NO[r["appointment_kept"]],
            )
        )
    return Table("apologies", "Hồ sơ trễ hạn và xin lỗi", columns, rows)


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

"""One task of the appendix from its assembled cells: agencies resolved, time frame read, and
the defects of its wording reported."""

from __future__ import annotations

import re

from planfile.directory import Directory
from planfile.reading import ParseState
from planfile.schema import Task, TimeFrame
from planfile.timeframes import parse_timeframe

# "Sau khi Nghị định … được ban hành", "Khi có hướng dẫn của Bộ": a deadline that depends on
# another body's act is no date at all until that act happens.
_CONDITIONAL = re.compile(r"^(?:ngay\s+)?(?:sau\s+khi|khi|sau\s+\d+\s+ngày\s+kể\s+từ)\b", re.I)


def build_task(
    state: ParseState,
    f: dict[str, object],
    number: str,
    year: int,
    directory: Directory,
    scored: set[str],
) -> Task:
    line = int(str(f["line"]))
    content = str(f["content"])
    is_heading = not any(str(f[k]) for k in ("lead_text", "coordinating_text", "timeframe"))
    lead = directory.resolve(str(f["lead_text"]))
    coordinating = directory.resolve(str(f["coordinating_text"]))
    for role, res in (("chủ trì", lead), ("phối hợp", coordinating)):
        for name in res.unknown:
            state.warn(
                line,
                "unknown_agency",
                f"nhiệm vụ {number}: cơ quan {role} “{name}” chưa có trong danh bạ; "
                "đã thêm, cần xác nhận loại cơ quan",
            )
        for name in res.groups:
            state.warn(
                line,
                "catch_all_group",
                f"nhiệm vụ {number}: “{name}” ({role}) là một nhóm cơ quan, không phải một cơ "
                "quan; được ghi là nhóm",
            )
        for written, proper in res.miscased:
            state.warn(
                line,
                "agency_case",
                f"nhiệm vụ {number}: tên cơ quan {role} “{written}” viết sai chữ hoa, "
                f"đúng là “{proper}”",
            )
        if res.trailing == ",":
            state.warn(
                line, "trailing_comma", f"nhiệm vụ {number}: dấu phẩy thừa cuối ô cơ quan {role}"
            )
    if not is_heading and not lead.codes:
        state.warn(line, "no_lead", f"nhiệm vụ {number} không có cơ quan chủ trì")
    product = str(f["product"])
    if product.endswith(","):
        state.warn(line, "trailing_comma", f"nhiệm vụ {number}: dấu phẩy thừa cuối ô sản phẩm")
        product = product.rstrip(", ")
    if not is_heading and not product and "product" not in state.absent:
        state.warn(line, "empty_product", f"nhiệm vụ {number} không nêu sản phẩm")
    timeframe = _timeframe(state, line, number, str(f["timeframe"]), year, is_heading)
    if missing := re.search(r"\d+% chuyên môn", content):
        state.warn(
            line,
            "missing_word",
            f"nhiệm vụ {number}: “{missing.group(0)}” thiếu từ “cơ quan” (… % cơ quan chuyên môn)",
        )
    if "địa bàn thành phố" in content:
        state.warn(
            line,
            "scope_mismatch",
            f"nhiệm vụ {number} (kế hoạch cấp huyện) nêu “trên địa bàn thành phố”",
        )
    return Task(
        number=number,
        parent=str(f["parent"]) if f["parent"] else None,
        area=str(f["area"]),
        content=content,
        lead_text=str(f["lead_text"]),
        coordinating_text=str(f["coordinating_text"]),
        lead=lead.codes,
        coordinating=coordinating.codes,
        timeframe=timeframe,
        product=product,
        line=line,
    )


def _timeframe(
    state: ParseState, line: int, number: str, text: str, year: int, is_heading: bool
) -> TimeFrame:
    if not text:
        if not is_heading and "timeframe" not in state.absent:
            state.warn(line, "no_timeframe", f"nhiệm vụ {number} không nêu thời gian thực hiện")
        return TimeFrame(text="", start=None, due=None)
    if _CONDITIONAL.match(text):
        state.warn(
            line,
            "conditional_timeframe",
            f"nhiệm vụ {number}: thời gian phụ thuộc một điều kiện (“{text}”); chưa có hạn, "
            "cần ghi hạn khi điều kiện xảy ra",
        )
        return TimeFrame(text=text, start=None, due=None)
    window = parse_timeframe(text)
    if window is None:
        state.warn(
            line,
            "unreadable_timeframe",
            f"nhiệm vụ {number}: không hiểu thời gian “{text}”; chưa có hạn",
        )
        return TimeFrame(text=text, start=None, due=None)
    if year not in window.years:
        state.warn(
            line,
            "year_mismatch",
            f"nhiệm vụ {number}: thời gian “{text}” không thuộc năm kế hoạch {year}; "
            "giữ nguyên như văn bản, cần xác nhận",
        )
    return TimeFrame(text=text, start=window.start, due=window.due)

"""Read an administrative-reform plan as published (UTF-8 text, appendix table with tabs).

What is read:

- the heading ("KẾ HOẠCH" and the line after it: the unit and the year);
- section "II. CHỈ TIÊU CHỦ YẾU": the numbered targets and their indicators;
- section "III. NHIỆM VỤ, GIẢI PHÁP": the areas I–VII and the score line that closes each
  ("Phấn đấu năm 2023 đạt 10.5/11.5 điểm");
- the reporting rule ("gửi trước ngày 08 tháng cuối của quý") and the signer;
- the appendix "DANH MỤC": its document reference, section rows, numbered rows, sub-items
  "a) b) c)", header rows repeated at page breaks and rows continued after a page break.

Defects of the source are reported as warnings with their line number, never fixed silently
and never fatal: the officials who publish the plan are the ones to correct it. A text that is
not a plan at all (no appendix, no targets) is refused with a clear error.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from pathlib import Path

from domain.errors import InvalidValue, NotFound
from domain.unit import LEGACY_UNIT
from planfile.appendix import read_appendix
from planfile.body import (
    name_areas_from_appendix,
    read_areas,
    read_heading,
    read_signer,
    reporting_calendar,
)
from planfile.reading import ParseState, PlanRefused, check_wording, find
from planfile.schema import SCHEMA_ID, PlanFile, Source
from planfile.targets import read_targets
from planfile.templates import directory_for
from planfile.units import plan_code, qualified, unit_within

MAX_BYTES = 5_000_000  # a plan is a few dozen kilobytes; refuse anything absurd early


def read_plan_text(path: Path) -> tuple[str, str]:
    """The NFC text of a plan file and the sha256 of its bytes, with clear errors."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InvalidValue(
                f"tệp {path.name} quá lớn ({size} byte; tối đa {MAX_BYTES})", field="file"
            )
        raw = path.read_bytes()
    except OSError as error:
        raise NotFound(f"không đọc được tệp {path}: {error.strerror}", field="file") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidValue(
            f"tệp {path.name} không phải UTF-8 (byte lỗi ở vị trí {error.start})", field="file"
        ) from None
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text, hashlib.sha256(raw).hexdigest()


def parse_plan_text(
    path: Path, plan_id: str | None = None, agencies: dict[str, str] | None = None
) -> PlanFile:
    """Parse the plan at ``path``; ``plan_id`` defaults to its unit and year as the text
    states them (``cat-hai-2023``), never to the file's name. ``agencies`` maps names the
    built-in directory does not hold to codes (``read_agency_mapping``)."""
    text, digest = read_plan_text(path)
    return parse_plan(text, file_name=path.name, sha256=digest, plan_id=plan_id, agencies=agencies)


def read_agency_mapping(path: Path) -> dict[str, str]:
    """A JSON object {"name as the plan writes it": "code"}, with a clear error if not."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as error:
        raise NotFound(f"không đọc được tệp {path}: {error.strerror}", field="agencies") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidValue(
            f"tệp {path.name} không phải JSON UTF-8 hợp lệ: {error}", field="agencies"
        ) from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise InvalidValue(
            f"tệp {path.name} phải là một đối tượng JSON {{“tên cơ quan”: “mã”}}",
            field="agencies",
        )
    return {unicodedata.normalize("NFC", k): v for k, v in data.items()}


def parse_plan(
    text: str,
    *,
    file_name: str,
    sha256: str,
    plan_id: str | None = None,
    agencies: dict[str, str] | None = None,
) -> PlanFile:
    text = unicodedata.normalize("NFC", text)
    lines = text.split("\n")
    state = ParseState()
    appendix_at = find(lines, lambda s: s.strip() == "DANH MỤC")
    if appendix_at is None:
        raise PlanRefused(
            len(lines),
            "không tìm thấy phụ lục “DANH MỤC” trong tệp kế hoạch: tệp không đầy đủ "
            "hoặc không phải kế hoạch",
        )
    body = lines[:appendix_at]
    heading = read_heading(body)
    unit, year = heading.unit, heading.year
    for number, line in enumerate(lines, start=1):
        check_wording(state, number, line)
    targets = read_targets(state, body)
    areas = read_areas(state, body, year)
    signer = read_signer(state, body)
    unit_code, unit_level = unit_within(unit, heading.province)
    if heading.province is None and unit_level != "province" and unit_code != LEGACY_UNIT:
        state.warn(
            heading.line,
            "no_province",
            f"văn bản không nêu tỉnh, thành phố của {unit} (trong tiêu đề hoặc dòng “UBND TỈNH "
            "…” ở đầu văn bản): nếu sổ cái chưa có đơn vị này, đơn vị được ghi mà không có đơn "
            "vị cấp trên; hãy ghi đơn vị với đơn vị cấp trên bằng `parledger unit add` trước",
        )
    directory = directory_for(unit, unit_level, heading.department)
    directory.map_names(agencies or {})
    document, tasks, names = read_appendix(state, lines, appendix_at, year, areas, directory)
    areas = name_areas_from_appendix(areas, tasks, state, names)
    reporting = reporting_calendar(state, body, year, unit_level)
    plan = PlanFile(
        schema=SCHEMA_ID,
        id=plan_id or plan_code(unit_code, year, heading.department),
        unit=unit,
        unit_code=unit_code,
        unit_level=unit_level,
        province=None if unit_level == "province" else heading.province,
        province_line=(
            heading.province_line or None if unit_level != "province" and heading.province else None
        ),
        year=year,
        kind="department" if heading.department else "unit_yearly",
        title=heading.title,
        document=document,
        signer=signer,
        source=Source(file=file_name, sha256=sha256),
        areas=areas,
        targets=targets,
        agencies=directory.agencies,
        groups=directory.groups,
        tasks=tasks,
        reporting=reporting,
        warnings=sorted(state.warnings, key=lambda w: (w.line, w.code)),
    )
    return qualified(plan)

"""The structured plan file: what the parser produces and the importer consumes.

A plan file is JSON (UTF-8, NFC text) validated by :class:`PlanFile`. It keeps every row of
the source, the source line it came from, and the data-quality warnings the parser raised, so
that nothing is fixed or dropped silently. The format is documented in ``docs/plan-file.md``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_ID = "parledger.plan/1"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AgencyKind(StrEnum):
    """Kinds of agency in a district directory."""

    DISTRICT_PEOPLES_COMMITTEE = "district_peoples_committee"  # UBND huyện
    OFFICE = "office"  # Văn phòng HĐND và UBND huyện
    SPECIALISED_OFFICE = "specialised_office"  # phòng chuyên môn, Thanh tra huyện
    PUBLIC_SERVICE_UNIT = "public_service_unit"  # đơn vị sự nghiệp (trung tâm, cổng TTĐT)
    COMMUNE = "commune"  # xã
    TOWN = "town"  # thị trấn


class Agency(_Frozen):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    name: str
    kind: AgencyKind
    aliases: list[str] = []  # other spellings met in source texts


class AgencyGroup(_Frozen):
    """A name that stands for several agencies ("UBND các xã, thị trấn")."""

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    name: str
    kinds: list[AgencyKind]  # members: every agency of these kinds active on the date asked
    aliases: list[str] = []


class Area(_Frozen):
    """A lĩnh vực (I–VII) with its target and maximum score."""

    code: str  # Roman numeral
    name: str  # as in the plan body
    appendix_name: str | None = None  # as in the appendix, where it differs
    target_score: Decimal
    max_score: Decimal
    line: int


IndicatorKind = Literal["rank_range", "percentage", "count", "boolean"]
Comparator = Literal[">=", "<=", "=", "between"]
Derivation = Literal[
    "tasks_completed_on_time",
    "specialised_offices_inspected",
    "communes_inspected",
    "apology_compliance",
]


class Indicator(_Frozen):
    code: str  # unique within the plan, e.g. "7b"
    label: str
    kind: IndicatorKind
    comparator: Comparator
    threshold: Decimal  # lower bound for "between"
    upper: Decimal | None = None  # upper bound for "between"
    unit: str  # "%", "hạng", …
    level: str | None = None  # "cấp huyện", "cấp xã", …
    derived_from: Derivation | None = None  # computed from the ledger itself


class Target(_Frozen):
    number: int
    text: str
    line: int
    indicators: list[Indicator]


class TimeFrame(_Frozen):
    text: str  # as written in the source
    start: date | None
    due: date | None


class Task(_Frozen):
    number: str  # "1", "1.b", "4.a"
    parent: str | None = None
    area: str  # Roman numeral of its section
    content: str
    lead_text: str
    coordinating_text: str
    lead: list[str]  # agency or group codes
    coordinating: list[str]
    timeframe: TimeFrame
    product: str
    line: int


class ReportingPeriod(_Frozen):
    code: Literal["Q1", "Q2", "H1", "Q3", "Q4", "Y"]
    name: str
    start: date
    end: date
    cutoff_from: date  # data window (Decree 09/2019/NĐ-CP, art. 12)
    cutoff_to: date
    due: date  # last day to send, as the plan states it
    # Since reporting rules are versioned (``rules.reporting``): the deadline moved off a day
    # off, the rule version the period was computed under and the calendar's. A plan file
    # written before has none of them, and keeps the periods it recorded.
    due_effective: date | None = None
    rule: str | None = None
    calendar: str | None = None


class Warning(_Frozen):
    line: int
    code: str
    message: str  # Vietnamese, for the officials who fix the source


class Document(_Frozen):
    text: str  # the reference as printed ("Kế hoạch số /KH-UBND ngày tháng 01 năm 2023")
    number: str | None
    date: date | None


class Signer(_Frozen):
    name: str
    title: str


class Source(_Frozen):
    file: str
    sha256: str


class PlanFile(_Frozen):
    schema_: str = Field(default=SCHEMA_ID, alias="schema")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    unit: str
    # The unit's code and level; files written before units existed have neither and are
    # read as the unit their heading names (``planfile.units.unit_of``).
    unit_code: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]*$")
    unit_level: str | None = None
    # The province a unit below one belongs to, as the text names it ("Thành phố Hải Phòng"):
    # the importer records it as the unit's parent. None for a province's own plan, for a
    # text naming none, and for files written before it was read.
    province: str | None = None
    # The line of the text that names that province, for what the importer says about it.
    province_line: int | None = None
    kind: Literal["unit_yearly", "department"] = "unit_yearly"
    year: int = Field(ge=2000, le=2100)
    title: str
    document: Document
    signer: Signer
    source: Source
    areas: list[Area]
    targets: list[Target]
    agencies: list[Agency]
    groups: list[AgencyGroup]
    tasks: list[Task]
    reporting: list[ReportingPeriod]
    warnings: list[Warning]

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

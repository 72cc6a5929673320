"""Target (chỉ tiêu) with its indicators and the measurements reported against them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain import ids
from domain.base import LedgerAggregate
from domain.errors import InvalidValue, NotFound, RuleViolation
from domain.values import EventMeta, code, day, decimal, optional_text, text
from domain.withdrawal import InPlan

COMPARATORS = (">=", "<=", "=", "between")
INDICATOR_FIELDS = (
    "code",
    "label",
    "kind",
    "comparator",
    "threshold",
    "upper",
    "unit",
    "level",
    "derived_from",
)


def clean_indicator(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate one indicator definition (comparator, threshold, unit, level)."""
    if not isinstance(raw, dict):
        raise InvalidValue("mỗi chỉ số phải là một đối tượng", field="indicators")
    unknown = set(raw) - set(INDICATOR_FIELDS)
    if unknown:
        raise InvalidValue(f"trường không hợp lệ {sorted(unknown)}", field="indicators")
    comparator = raw.get("comparator")
    if comparator not in COMPARATORS:
        raise InvalidValue(f"phép so sánh phải là một trong {COMPARATORS}", field="comparator")
    threshold = decimal(raw.get("threshold"), "threshold")
    upper = None if raw.get("upper") is None else decimal(raw["upper"], "upper")
    if comparator == "between" and (upper is None or upper < threshold):
        raise InvalidValue("khoảng giá trị cần cận trên không nhỏ hơn cận dưới", field="upper")
    return {
        "code": code(raw.get("code"), "code"),
        "label": text(raw.get("label"), "label"),
        "kind": code(raw.get("kind"), "kind"),
        "comparator": comparator,
        "threshold": threshold,
        "upper": upper,
        "unit": text(raw.get("unit"), "unit", limit=20),
        "level": optional_text(raw.get("level"), "level", limit=100),
        "derived_from": optional_text(raw.get("derived_from"), "derived_from", limit=100),
    }


class MeasurementFacts(LedgerAggregate.Event):
    """A reported figure's facts, shared by the two measurement events (kept outside
    ``Target`` so that it is not taken for an event of its own). Class version 2 carries them
    as fields of their own; version 1 (releases up to 0.2) nested them in one ``figure`` dict."""

    class_version = 2
    measurement_id: str
    indicator: str
    value: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    period_start: date
    period_end: date
    source: str
    evidence: str | None
    meta: EventMeta

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state.update(state.pop("figure"))


class Target(InPlan, LedgerAggregate):
    ENTITY = "target"
    WHAT = "chỉ tiêu"

    @staticmethod
    def create_id(plan: str, number: int) -> UUID:
        return ids.target_id(plan, number)

    @classmethod
    def register(
        cls,
        *,
        plan: str,
        number: int,
        text_: str,
        indicators: list[dict[str, Any]],
        meta: EventMeta,
        source_line: int | None = None,
    ) -> Target:
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise InvalidValue("số thứ tự chỉ tiêu phải là số nguyên dương", field="number")
        cleaned = [clean_indicator(i) for i in indicators]
        codes = [i["code"] for i in cleaned]
        if len(set(codes)) != len(codes):
            raise InvalidValue("mã chỉ số bị trùng", field="indicators")
        return cls(
            plan=code(plan, "plan"),
            number=number,
            wording=text(text_, "text"),
            indicators=cleaned,
            source_line=source_line,
            meta=meta,
        )

    @event("Registered")
    def __init__(
        self,
        plan: str,
        number: int,
        wording: str,
        indicators: list[dict[str, Any]],
        source_line: int | None,
        meta: EventMeta,
    ) -> None:
        self.plan = plan
        self.number = number
        self.wording = wording
        self.source_line = source_line
        self.indicators: dict[str, dict[str, Any]] = {i["code"]: i for i in indicators}
        self.measurements: dict[str, dict[str, Any]] = {}

    def amend(self, *, wording: str, indicators: list[dict[str, Any]], meta: EventMeta) -> None:
        """Correct the target's wording or indicator definitions (a plan amendment)."""
        meta.require_reason()
        if not self.would_change(wording=wording, indicators=indicators):
            raise RuleViolation("không có gì thay đổi", field="indicators")
        cleaned = [clean_indicator(i) for i in indicators]
        self._amended(wording=text(wording, "text"), indicators=cleaned, meta=meta)

    def would_change(self, *, wording: str, indicators: list[dict[str, Any]]) -> bool:
        """Whether ``amend`` with these would record anything: compared as the domain stores
        them (text in NFC, indicators cleaned), not as a plan file happens to spell them."""
        cleaned = {i["code"]: i for i in (clean_indicator(x) for x in indicators)}
        return text(wording, "text") != self.wording or cleaned != self.indicators

    @event("Amended")
    def _amended(self, wording: str, indicators: list[dict[str, Any]], meta: EventMeta) -> None:
        self.wording = wording
        self.indicators = {i["code"]: i for i in indicators}

    _withdrawn = event("Withdrawn")(InPlan.mark_withdrawn)
    _reinstated = event("Reinstated")(InPlan.mark_reinstated)

    # -- measurements --------------------------------------------------------------------

    def _figure(
        self,
        indicator: str,
        value: object,
        numerator: object,
        denominator: object,
        period_start: object,
        period_end: object,
        source: object,
        evidence: object,
    ) -> dict[str, Any]:
        self._require_in_plan()
        if indicator not in self.indicators:
            raise NotFound(
                f"chỉ tiêu {self.number} không có chỉ số {indicator!r}; "
                f"các chỉ số: {', '.join(sorted(self.indicators))}",
                field="indicator",
            )
        num = None if numerator is None else decimal(numerator, "numerator", minimum=Decimal(0))
        den = (
            None if denominator is None else decimal(denominator, "denominator", minimum=Decimal(0))
        )
        if (num is None) != (den is None):
            raise InvalidValue("cần cả tử số và mẫu số, hoặc không có cả hai", field="denominator")
        if den is not None and den == 0:
            raise InvalidValue("mẫu số phải lớn hơn 0", field="denominator")
        if value is None:
            if num is None or den is None:
                raise InvalidValue("cần giá trị, hoặc tử số và mẫu số", field="value")
            figure = (num * 100 / den).quantize(Decimal("0.01"))
        else:
            figure = decimal(value, "value")
            if num is not None and den is not None and abs(num * 100 / den - figure) > 1:
                raise InvalidValue(
                    f"giá trị {figure} không khớp tử số/mẫu số ({num}/{den})", field="value"
                )
        start, end = day(period_start, "period_start"), day(period_end, "period_end")
        if start > end:
            raise InvalidValue("kỳ đo có ngày bắt đầu sau ngày kết thúc", field="period_start")
        return {
            "indicator": indicator,
            "value": figure,
            "numerator": num,
            "denominator": den,
            "period_start": start,
            "period_end": end,
            "source": text(source, "source", limit=500),
            "evidence": optional_text(evidence, "evidence", limit=2000),
        }

    def record_measurement(
        self,
        *,
        measurement_id: str,
        indicator: str,
        value: Decimal | str | int | None,
        period_start: date,
        period_end: date,
        source: str,
        meta: EventMeta,
        numerator: Decimal | str | int | None = None,
        denominator: Decimal | str | int | None = None,
        evidence: str | None = None,
    ) -> None:
        """A reported figure for one indicator over a period."""
        measurement_id = code(measurement_id, "measurement_id")
        if measurement_id in self.measurements:
            raise RuleViolation("số đo này đã được ghi", field="measurement_id")
        figure = self._figure(
            indicator, value, numerator, denominator, period_start, period_end, source, evidence
        )
        self._measured(measurement_id=measurement_id, **figure, meta=meta)

    class MeasurementRecorded(MeasurementFacts):
        """A figure reported for one indicator over a period."""

    @event(MeasurementRecorded)
    def _measured(
        self,
        measurement_id: str,
        indicator: str,
        value: Decimal,
        numerator: Decimal | None,
        denominator: Decimal | None,
        period_start: date,
        period_end: date,
        source: str,
        evidence: str | None,
        meta: EventMeta,
    ) -> None:
        figure = _facts(locals())
        self.measurements[measurement_id] = {**figure, "status": "valid", "replaces": None}

    def _require_current(self, measurement_id: str) -> dict[str, Any]:
        found = self.measurements.get(measurement_id)
        if found is None:
            raise NotFound(
                f"không có số đo {measurement_id!r} của chỉ tiêu {self.number}",
                field="replaces",
            )
        if found["status"] != "valid":
            raise RuleViolation(
                f"số đo {measurement_id!r} đã bị {_STATUS_WORD[found['status']]}",
                field="replaces",
            )
        return found

    def correct_measurement(
        self,
        *,
        measurement_id: str,
        replaces: str,
        value: Decimal | str | int | None,
        period_start: date,
        period_end: date,
        source: str,
        meta: EventMeta,
        numerator: Decimal | str | int | None = None,
        denominator: Decimal | str | int | None = None,
        evidence: str | None = None,
    ) -> None:
        """Replace a reported figure; the old one stays in history, marked superseded."""
        meta.require_reason()
        old = self._require_current(replaces)
        measurement_id = code(measurement_id, "measurement_id")
        if measurement_id in self.measurements:
            raise RuleViolation("số đo này đã được ghi", field="measurement_id")
        figure = self._figure(
            old["indicator"],
            value,
            numerator,
            denominator,
            period_start,
            period_end,
            source,
            evidence,
        )
        self._corrected(measurement_id=measurement_id, replaces=replaces, **figure, meta=meta)

    class MeasurementCorrected(MeasurementFacts):
        """A figure that replaces the figure ``replaces``, which stays in history."""

        replaces: str

    @event(MeasurementCorrected)
    def _corrected(
        self,
        measurement_id: str,
        replaces: str,
        indicator: str,
        value: Decimal,
        numerator: Decimal | None,
        denominator: Decimal | None,
        period_start: date,
        period_end: date,
        source: str,
        evidence: str | None,
        meta: EventMeta,
    ) -> None:
        figure = _facts(locals())
        self.measurements[replaces]["status"] = "superseded"
        self.measurements[measurement_id] = {**figure, "status": "valid", "replaces": replaces}

    def retract_measurement(self, *, measurement_id: str, meta: EventMeta) -> None:
        """Withdraw a figure that should never have been reported."""
        meta.require_reason()
        self._require_current(measurement_id)
        self._retracted(measurement_id=measurement_id, meta=meta)

    @event("MeasurementRetracted")
    def _retracted(self, measurement_id: str, meta: EventMeta) -> None:
        self.measurements[measurement_id]["status"] = "retracted"


FIGURE_FACTS = (
    "indicator",
    "value",
    "numerator",
    "denominator",
    "period_start",
    "period_end",
    "source",
    "evidence",
)


def _facts(given: dict[str, Any]) -> dict[str, Any]:
    """The figure's facts among an apply method's arguments, in their stored order."""
    return {name: given[name] for name in FIGURE_FACTS}


_STATUS_WORD = {"superseded": "thay thế", "retracted": "rút lại"}

"""Plan (kế hoạch): unit, year, document, signer, areas with scores, reporting calendar."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import event

from domain import ids
from domain.base import LedgerAggregate
from domain.errors import InvalidValue, NotFound, RuleViolation
from domain.unit import LEGACY_UNIT
from domain.values import EventMeta, code, decimal, nfc_deep, optional_text, text
from domain.withdrawal import may_reinstate

SCORE_KINDS = ("self_assessed", "appraised")  # tự đánh giá, thẩm định
PLAN_FIELDS = (
    "unit",
    "year",
    "title",
    "document",
    "signer",
    "areas",
    "reporting",
    "source",
    "warnings",
)
# Fields a plan has had since units existed: its unit's code and its kind. A plan registered
# before (release 0.2) has neither: it is the legacy unit's yearly plan (``unit_code_of``).
UNIT_FIELDS = ("unit_code", "kind")
PLAN_KINDS = ("unit_yearly", "department")


def unit_code_of(fields: dict[str, Any]) -> str:
    return str(fields.get("unit_code") or LEGACY_UNIT)


def _areas(areas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for raw in areas:
        target = decimal(raw.get("target_score"), "target_score", minimum=Decimal(0))
        maximum = decimal(raw.get("max_score"), "max_score", minimum=Decimal(0))
        if target > maximum:
            raise InvalidValue(
                f"lĩnh vực {raw.get('code')}: điểm mục tiêu lớn hơn điểm tối đa",
                field="target_score",
            )
        cleaned.append({**raw, "target_score": target, "max_score": maximum})
    codes = [a.get("code") for a in cleaned]
    if len(set(codes)) != len(codes):
        raise InvalidValue("mã lĩnh vực bị trùng", field="areas")
    return cleaned


class Plan(LedgerAggregate):
    ENTITY = "plan"
    WHAT = "kế hoạch"

    @staticmethod
    def create_id(plan: str) -> UUID:
        return ids.plan_id(plan)

    @classmethod
    def register(cls, *, plan: str, fields: dict[str, Any], meta: EventMeta) -> Plan:
        missing = set(PLAN_FIELDS) - set(fields)
        if missing:
            raise InvalidValue(f"thiếu trường {sorted(missing)}", field="plan")
        year = fields["year"]
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
            raise InvalidValue("năm kế hoạch phải trong khoảng 2000–2100", field="year")
        fields = cast(dict[str, Any], nfc_deep(fields))
        if fields.get("kind", PLAN_KINDS[0]) not in PLAN_KINDS:
            raise InvalidValue(f"loại kế hoạch phải là một trong {PLAN_KINDS}", field="kind")
        cleaned = {
            **{k: fields[k] for k in PLAN_FIELDS},
            **{k: code(fields[k], k) for k in UNIT_FIELDS if k in fields},
            "unit": text(fields["unit"], "unit", limit=200),
            "title": text(fields["title"], "title", limit=500),
            "areas": _areas(fields["areas"]),
        }
        return cls(plan=code(plan, "plan"), fields=cleaned, meta=meta)

    @event("Registered")
    def __init__(self, plan: str, fields: dict[str, Any], meta: EventMeta) -> None:
        self.code = plan
        self.fields = dict(fields)
        self.scores: dict[str, dict[str, Decimal]] = {}

    @property
    def withdrawn_areas(self) -> frozenset[str]:
        """Codes of the areas a re-imported text withdrew (``withdraw_area``); none for a plan
        that never had one withdrawn."""
        found: frozenset[str] = self.__dict__.get("_areas_withdrawn", frozenset())
        return found

    @property
    def live_areas(self) -> list[dict[str, Any]]:
        """The areas listed (``fields["areas"]``, as the text last amended them) that are not
        withdrawn: the plan's areas today."""
        return [a for a in self.fields["areas"] if a["code"] not in self.withdrawn_areas]

    @property
    def unit_code(self) -> str:
        return unit_code_of(self.fields)

    def amend(self, *, fields: dict[str, Any], meta: EventMeta) -> None:
        """A changed plan file: record exactly the fields that differ."""
        meta.require_reason()
        unknown = set(fields) - {*PLAN_FIELDS, *UNIT_FIELDS}
        if unknown:
            raise InvalidValue(f"trường không hợp lệ {sorted(unknown)}", field="fields")
        fields = cast(dict[str, Any], nfc_deep(fields))
        if "areas" in fields:
            fields = {**fields, "areas": _areas(fields["areas"])}
        changed = {k: v for k, v in fields.items() if self.fields.get(k) != v}
        if not changed:
            raise RuleViolation("không có gì thay đổi", field="fields")
        self._amended(fields=changed, meta=meta)

    @event("Amended")
    def _amended(self, fields: dict[str, Any], meta: EventMeta) -> None:
        self.fields.update(fields)

    def withdraw_area(self, *, area: str, meta: EventMeta) -> None:
        """The plan's text no longer has this area (lĩnh vực): it leaves the plan's areas and
        its scores leave the totals; its history stays. The listing is left as it is: an
        amendment from a later text replaces it."""
        meta.require_reason()
        self.area(area)
        self._area_withdrawn(area=area, meta=meta)

    @event("AreaWithdrawn")
    def _area_withdrawn(self, area: str, meta: EventMeta) -> None:
        self._areas_withdrawn = self.withdrawn_areas | {area}

    def reinstate_area(self, *, area: str, meta: EventMeta) -> None:
        """A later text of the plan has a withdrawn area again: it counts again where the
        listing has it (an amendment lists it where the listing has not)."""
        may_reinstate(meta, area in self.withdrawn_areas, "lĩnh vực", area)
        self._area_reinstated(area=area, meta=meta)

    @event("AreaReinstated")
    def _area_reinstated(self, area: str, meta: EventMeta) -> None:
        self._areas_withdrawn = self.withdrawn_areas - {area}

    def area(self, area_code: str) -> dict[str, Any]:
        for found in self.live_areas:
            if found["code"] == area_code:
                return dict(found)
        raise NotFound(f"kế hoạch {self.code} không có lĩnh vực {area_code!r}", field="area")

    def record_area_score(
        self, *, area: str, kind: str, score: Decimal | str, meta: EventMeta
    ) -> None:
        """A self-assessed or appraised score for one area (lĩnh vực)."""
        found = self.area(area)
        if kind not in SCORE_KINDS:
            raise InvalidValue(f"loại điểm phải là một trong {SCORE_KINDS}", field="kind")
        value = decimal(score, "score", minimum=Decimal(0))
        if value > found["max_score"]:
            raise InvalidValue(
                f"điểm {value} vượt điểm tối đa {found['max_score']} của lĩnh vực {area}",
                field="score",
            )
        if self.scores.get(area, {}).get(kind) is not None:
            meta.require_reason()  # a second score for the same area replaces the first
        self._area_scored(area=area, kind=kind, score=value, meta=meta)

    def record_criterion_score(
        self,
        *,
        criterion: str,
        kind: str,
        score: Decimal | str,
        max_points: Decimal,
        rules: str,
        evidence: str | None,
        meta: EventMeta,
    ) -> None:
        """A self-assessed or appraised score for one criterion (tiêu chí) of the PAR Index,
        under the rules ``rules`` (``id@version``) whose maximum for it is ``max_points``: the
        caller looks the rules up (they are data above the domain)."""
        if kind not in SCORE_KINDS:
            raise InvalidValue(f"loại điểm phải là một trong {SCORE_KINDS}", field="kind")
        value = decimal(score, "score", minimum=Decimal(0))
        if value > max_points:
            raise InvalidValue(
                f"điểm {value} vượt điểm tối đa {max_points} của tiêu chí {criterion} "
                f"(bộ chỉ số {rules})",
                field="score",
            )
        if getattr(self, "criteria", {}).get(criterion, {}).get(kind) is not None:
            meta.require_reason()  # a second score of the same kind replaces the first
        self._criterion_scored(
            criterion=code(criterion, "criterion"),
            kind=kind,
            score=value,
            max_points=max_points,
            rules=text(rules, "rules", limit=200),
            evidence=optional_text(evidence, "evidence", limit=500),
            meta=meta,
        )

    @event("CriterionScored")
    def _criterion_scored(
        self,
        criterion: str,
        kind: str,
        score: Decimal,
        max_points: Decimal,
        rules: str,
        evidence: str | None,
        meta: EventMeta,
    ) -> None:
        # Made by the first criterion score, not at registration: a plan's registration shows
        # in the audit trail exactly as it did before criteria were scored.
        if not hasattr(self, "criteria"):
            self.criteria: dict[str, dict[str, Decimal]] = {}
        self.criteria.setdefault(criterion, {})[kind] = score

    def submit_report(
        self, *, period: str, content_sha256: str, position: int, meta: EventMeta
    ) -> None:
        """A periodic report sent: the hash of its content and the ledger position it read."""
        codes = [p["code"] for p in self.fields["reporting"]]
        if period not in codes:
            raise InvalidValue(f"kỳ báo cáo phải là một trong {codes}", field="period")
        if not isinstance(content_sha256, str) or len(content_sha256) != 64:
            raise InvalidValue("cần mã băm SHA-256 (64 ký tự hex) của nội dung", field="sha256")
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            raise InvalidValue("vị trí sổ cái phải là số nguyên không âm", field="position")
        self._report_submitted(
            period=period, content_sha256=content_sha256.lower(), position=position, meta=meta
        )

    @event("ReportSubmitted")
    def _report_submitted(
        self, period: str, content_sha256: str, position: int, meta: EventMeta
    ) -> None:
        self.reports = [*getattr(self, "reports", []), {"period": period, "sha256": content_sha256,
                        "position": position}]  # fmt: skip

    @event("AreaScored")
    def _area_scored(self, area: str, kind: str, score: Decimal, meta: EventMeta) -> None:
        self.scores.setdefault(area, {})[kind] = score

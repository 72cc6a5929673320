"""PAR Index scoring rules (Bộ chỉ số cải cách hành chính) as versioned data.

Each rule set is one JSON file in ``rules/data/scoring-*.json``: the level it scores
(province, district, commune), the years it applies to, the dates it is in force, its legal
source, and its areas (lĩnh vực) with criteria (tiêu chí) and sub-criteria (tiêu chí thành
phần), each with its maximum points and whether it is appraised (thẩm định) or scored by a
survey (điều tra xã hội học). A criterion may say that the ledger's own facts score it
(``derive``: the share of plan tasks completed on time, of late dossiers apologised for in
time, of offices inspected), with the bands that turn the share into points.

A rule is never edited in place: a correction is a new file with a higher ``version`` and the
day it was adopted (``adopted_on``), so an answer as known before that day keeps the version
it was computed with, and a rule set for a new year leaves the older years' scores alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from domain.errors import InvalidValue, NotFound
from domain.unit import LEGACY_UNIT
from rules.versions import LEVEL_VN, RuleVersion

DATA = Path(__file__).parent / "data"
KINDS = ("appraised", "survey")  # điểm thẩm định, điểm điều tra xã hội học
# The ledger facts a criterion may be derived from (computed in ``projections.scoring``).
FACTS = (
    "tasks_completed_on_time",
    "apologies_in_time",
    "specialised_offices_inspected",
    "communes_inspected",
)
LEVELS = ("province", "district", "commune")


class RuleDataError(ValueError):
    """A rule file that cannot be right (a developer's or an official's mistake in the
    data): refused when the rules are loaded, never at the moment a user asks."""


def _points(value: object, where: str) -> Decimal:
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        raise RuleDataError(f"{where}: điểm {value!r} không phải một số") from None
    if not found.is_finite() or found < 0:
        raise RuleDataError(f"{where}: điểm {value!r} không hợp lệ")
    return found


@dataclass(frozen=True)
class Band:
    """A share of at least ``at_least`` percent earns ``points``."""

    at_least: Decimal
    points: Decimal


@dataclass(frozen=True)
class Derivation:
    fact: str
    bands: tuple[Band, ...]  # highest threshold first

    def points(self, share: Decimal) -> tuple[Decimal, Band | None]:
        for band in self.bands:
            if share >= band.at_least:
                return band.points, band
        return Decimal(0), None


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    max_points: Decimal
    kind: str
    area: str
    parent: str | None
    scored: bool  # a leaf: scores are recorded (or derived) for it; others are sums
    derive: Derivation | None


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    max_points: Decimal
    criteria: tuple[Criterion, ...]  # in the document's order, sub-criteria after their parent


@dataclass(frozen=True)
class ScoringRules:
    id: str
    version: int
    title: str
    level: str
    province: str | None  # None: national; else the province whose decision it is
    years: tuple[int, int]
    in_force: tuple[date, date | None]
    adopted_on: date
    source: dict[str, Any]
    verified: bool
    note: str
    areas: tuple[Area, ...]

    @property
    def ref(self) -> str:
        """How every computed answer names the rules it used: ``id@version``."""
        return f"{self.id}@{self.version}"

    @property
    def max_points(self) -> Decimal:
        return sum((a.max_points for a in self.areas), Decimal(0))

    def leaves(self) -> Iterator[Criterion]:
        for area in self.areas:
            yield from (c for c in area.criteria if c.scored)

    def criterion(self, code: str) -> Criterion:
        for area in self.areas:
            for found in area.criteria:
                if found.code == code:
                    if not found.scored:
                        parts = [c.code for c in area.criteria if c.parent == code]
                        raise InvalidValue(
                            f"tiêu chí {code} được tính từ các tiêu chí thành phần "
                            f"{', '.join(parts)}; hãy chấm điểm từng tiêu chí thành phần",
                            field="criterion",
                        )
                    return found
        raise NotFound(f"bộ chỉ số {self.ref} không có tiêu chí {code!r}", field="criterion")

    def described(self) -> dict[str, Any]:
        """The summary with every area and criterion, points as decimal text."""
        return {
            **self.summary(),
            "areas": [
                {
                    "code": a.code,
                    "name": a.name,
                    "max_points": _text(a.max_points),
                    "criteria": [
                        {
                            "code": c.code,
                            "name": c.name,
                            "max_points": _text(c.max_points),
                            "kind": c.kind,
                            "parent": c.parent,
                            "scored": c.scored,
                            "derived_from": None if c.derive is None else c.derive.fact,
                            "bands": None
                            if c.derive is None
                            else [
                                {"at_least": _text(b.at_least), "points": _text(b.points)}
                                for b in c.derive.bands
                            ],
                        }
                        for c in a.criteria
                    ],
                }
                for a in self.areas
            ],
        }

    def rule_version(self) -> RuleVersion:
        """This rule set as the catalog lists it (``rules.catalog``)."""
        source = self.source.get("document") or f"chưa đối chiếu: {self.source.get('to_fill', '')}"
        return RuleVersion(
            rule=self.id,
            version=str(self.version),
            title=self.title,
            legal_source=str(source),
            in_force_from=self.in_force[0],
            in_force_to=self.in_force[1],
            level=self.level,
        )

    def summary(self) -> dict[str, Any]:
        """What an answer says about the rules it used."""
        return {
            "ref": self.ref,
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "level": self.level,
            "province": self.province,
            "years": list(self.years),
            "in_force": [self.in_force[0].isoformat(), _iso(self.in_force[1])],
            "adopted_on": self.adopted_on.isoformat(),
            "source": self.source,
            "verified": self.verified,
            "note": self.note,
            "max_points": _text(self.max_points),
        }


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _derivation(raw: Any, max_points: Decimal, where: str) -> Derivation | None:
    if raw is None:
        return None
    fact = raw.get("fact")
    if fact not in FACTS:
        raise RuleDataError(f"{where}: dữ kiện {fact!r} không phải một trong {FACTS}")
    bands = tuple(
        Band(_points(b["at_least"], where), _points(b["points"], where)) for b in raw["bands"]
    )
    if not bands or list(bands) != sorted(bands, key=lambda b: b.at_least, reverse=True):
        raise RuleDataError(f"{where}: các mức phải xếp từ ngưỡng cao xuống thấp")
    if any(b.points > max_points for b in bands):
        raise RuleDataError(f"{where}: một mức cho nhiều điểm hơn điểm tối đa {max_points}")
    return Derivation(fact, bands)


def _criteria(
    raws: list[dict[str, Any]], area: str, parent: str | None, kind: str, out: list[Criterion]
) -> Decimal:
    """Flatten ``raws`` (with their sub-criteria) into ``out``; returns their total."""
    total = Decimal(0)
    for raw in raws:
        code, where = str(raw["code"]), f"tiêu chí {raw.get('code')}"
        max_points = _points(raw["max_points"], where)
        own_kind = raw.get("kind", kind)
        if own_kind not in KINDS:
            raise RuleDataError(f"{where}: loại điểm {own_kind!r} không thuộc {KINDS}")
        subs = raw.get("criteria") or []
        at = len(out)
        out.append(
            Criterion(
                code=code,
                name=str(raw["name"]),
                max_points=max_points,
                kind=own_kind,
                area=area,
                parent=parent,
                scored=not subs,
                derive=_derivation(raw.get("derive"), max_points, where),
            )
        )
        if subs:
            if out[at].derive is not None:
                raise RuleDataError(f"{where}: chỉ tiêu chí lá mới được tính từ dữ kiện")
            inner = _criteria(subs, area, code, own_kind, out)
            if inner != max_points:
                raise RuleDataError(
                    f"{where}: tổng điểm tiêu chí thành phần {inner} khác điểm tối đa {max_points}"
                )
        total += max_points
    return total


def parse(raw: dict[str, Any]) -> ScoringRules:
    """One rule set from its JSON form, checked: every total adds up, codes are unique."""
    where = f"bộ chỉ số {raw.get('id')}@{raw.get('version')}"
    if raw.get("level") not in LEVELS:
        raise RuleDataError(f"{where}: cấp {raw.get('level')!r} không thuộc {LEVELS}")
    areas = []
    for area in raw["areas"]:
        found: list[Criterion] = []
        max_points = _points(area["max_points"], f"lĩnh vực {area['code']}")
        total = _criteria(area["criteria"], str(area["code"]), None, area.get("kind", "appraised"),
                          found)  # fmt: skip
        if total != max_points:
            raise RuleDataError(
                f"{where}, lĩnh vực {area['code']}: tổng điểm tiêu chí {total} khác {max_points}"
            )
        areas.append(Area(str(area["code"]), str(area["name"]), max_points, tuple(found)))
    codes = [c.code for a in areas for c in a.criteria] + [a.code for a in areas]
    if len(codes) != len(set(codes)):
        raise RuleDataError(f"{where}: có mã lĩnh vực hay tiêu chí bị trùng")
    in_force = raw["in_force"]
    return ScoringRules(
        id=str(raw["id"]),
        version=int(raw["version"]),
        title=str(raw["title"]),
        level=str(raw["level"]),
        province=raw.get("province"),
        years=(int(raw["years"][0]), int(raw["years"][1])),
        in_force=(date.fromisoformat(in_force[0]), _day(in_force[1])),
        adopted_on=date.fromisoformat(raw["adopted_on"]),
        source=dict(raw["source"]),
        verified=bool(raw.get("verified", False)),
        note=str(raw.get("note", "")),
        areas=tuple(areas),
    )


@cache
def packaged() -> tuple[ScoringRules, ...]:
    """Every rule set shipped in ``rules/data``; (id, version) pairs are unique."""
    found = tuple(
        parse(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(DATA.glob("scoring-*.json"))
    )
    keys = [(r.id, r.version) for r in found]
    if len(keys) != len(set(keys)):
        raise RuleDataError("hai tệp quy tắc chấm điểm cùng mã và phiên bản")
    return found


def lookup(
    level: str,
    year: int,
    *,
    province: str | None = None,
    known_on: date | None = None,
    sets: Iterable[ScoringRules] | None = None,
    names: Mapping[str, str] | None = None,
) -> ScoringRules:
    """The rules that score a ``level`` unit's ``year``: a province's own rule set before the
    national one, and of those the highest version adopted by ``known_on`` (default: any).
    ``sets``: the rule sets to choose from (default: the packaged ones); ``names``: provinces'
    names by code, for the refusal to say (``Thành phố Hải Phòng (hai-phong)``)."""
    fitting = [
        r
        for r in (packaged() if sets is None else sets)
        if r.level == level
        and r.years[0] <= year <= r.years[1]
        and r.province in (None, province)
        and (known_on is None or r.adopted_on <= known_on)
    ]
    if not fitting:
        # Never borrow another province's or year's rules: say so, and what the ledger has.
        def named(code: str) -> str:
            name = (names or {}).get(code)
            return f"{name} ({code})" if name else f"tỉnh/thành phố {code}"

        where = f" của {named(province)}" if province else ""
        known = "; ".join(
            f"{r.ref} ({LEVEL_VN.get(r.level, r.level)}, "
            f"{named(r.province) if r.province else 'toàn quốc'}, "
            f"năm {'–'.join(dict.fromkeys(map(str, r.years)))})"
            for r in (packaged() if sets is None else sets)
        )
        raise NotFound(
            f"không có bộ chỉ số CCHC nào áp dụng cho {LEVEL_VN.get(level, level)}{where} năm "
            f"{year}, nên điểm không được tính; các bộ chỉ số đã có: {known or 'không có'}",
            field="rules",
        )
    return max(fitting, key=lambda r: (r.province is not None, r.version, r.adopted_on))


# The scoring level of each kind of unit: wards, special zones and towns are commune-level.
SCORING_LEVEL = {
    "province": "province",
    "district": "district",
    "commune": "commune",
    "ward": "commune",
    "special_zone": "commune",
    "town": "commune",
}
# Units the ledger knows without their parent: Cát Hải district (the unit of release 0.2's
# ledgers and of the bundled plan, established from the plan's heading) was Hải Phòng's. Other
# units get their parent from the plan's text (the importer records the province it names, and
# warns ``no_province`` when it names none); the seed's text names no province, and stored
# ledgers hold Cát Hải without a parent, so this stays for it alone.
KNOWN_PROVINCE = {LEGACY_UNIT: "hai-phong"}


def scope_of(chain: Iterable[tuple[str, str | None]]) -> tuple[str | None, str | None]:
    """(scoring level, province) of the first unit of ``chain``: its units and their levels
    (None when unknown), nearest first, up to the province."""
    units = list(chain)
    if not units:
        return None, None
    code, level = units[0]
    province = next((c for c, lv in units if lv == "province"), KNOWN_PROVINCE.get(code))
    return (None if level is None else SCORING_LEVEL.get(level)), province

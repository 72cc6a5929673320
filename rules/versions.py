"""What every rule set has in common: which rule, which version, on what legal basis, in force
when and for which level of government. Every computed answer names the version it used."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

# Levels of government a rule can be limited to ("" = every level), and their Vietnamese names.
LEVELS = ("", "province", "district", "commune")
LEVEL_VN = {"province": "cấp tỉnh", "district": "cấp huyện", "commune": "cấp xã"}


class NoRuleInForce(LookupError):
    """No version of a rule set is in force at the date asked for."""


@dataclass(frozen=True)
class RuleVersion:
    """One version of a rule set. ``in_force_to`` is the last day it applies (None: still)."""

    rule: str  # e.g. "dossier-apology", "reporting-periods", "par-index"
    version: str  # e.g. "2021.1"
    title: str  # Vietnamese, for users
    legal_source: str  # the instruments, e.g. "Nghị định 61/2018/NĐ-CP, sửa đổi bởi ..."
    in_force_from: date
    in_force_to: date | None = None
    level: str = ""

    @classmethod
    def of_data(cls, rule: str, item: dict[str, Any]) -> RuleVersion:
        """One entry of a rule file's ``versions`` (``rules/data``); ``level`` may be left out."""
        until = item["in_force_to"]
        return cls(
            rule=rule,
            version=item["version"],
            title=item["title"],
            legal_source=item["legal_source"],
            in_force_from=date.fromisoformat(item["in_force_from"]),
            in_force_to=date.fromisoformat(until) if until else None,
            level=item.get("level", ""),
        )

    @property
    def ref(self) -> str:
        """How an answer names it: ``rule@version``."""
        return f"{self.rule}@{self.version}"

    def in_force(self, day: date, level: str = "") -> bool:
        if self.level and self.level != level:
            return False
        return self.in_force_from <= day and (self.in_force_to is None or day <= self.in_force_to)

    def describe(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "version": self.version,
            "ref": self.ref,
            "title": self.title,
            "legal_source": self.legal_source,
            "in_force_from": self.in_force_from.isoformat(),
            "in_force_to": self.in_force_to.isoformat() if self.in_force_to else None,
            "level": self.level or None,
        }


def in_force(versions: Iterable[RuleVersion], day: date, level: str = "") -> RuleVersion:
    """The version in force at ``day`` for ``level``; the most specific (a level's own version
    before an every-level one), then the latest to come into force."""
    candidates = [v for v in versions if v.in_force(day, level)]
    if not candidates:
        raise NoRuleInForce(f"không có quy định nào có hiệu lực vào ngày {day:%d/%m/%Y}")
    return max(candidates, key=lambda v: (bool(v.level), v.in_force_from))

"""Every rule set the ledger applies, by name, with its versions: what ``parledger rules
list``, ``GET /rules`` and the rules page show. A rule set added to ``rules/`` is named here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from rules import scoring
from rules.dossiers import regimes
from rules.reporting import RULE as REPORTING
from rules.reporting import reporting_rules, rule_level
from rules.versions import LEVELS, NoRuleInForce, RuleVersion, in_force


def _scoring(rule: str) -> Callable[[], Sequence[RuleVersion]]:
    return lambda: [r.rule_version() for r in scoring.packaged() if r.id == rule]


RULE_SETS: dict[str, Callable[[], Sequence[RuleVersion]]] = {
    REPORTING: lambda: [r.version for r in reporting_rules()],
    "dossier-apology": lambda: [r.version for r in regimes()],
    **{rule: _scoring(rule) for rule in sorted({r.id for r in scoring.packaged()})},
}


class UnknownRule(LookupError):
    """No rule set of that name."""


def versions(rule: str | None = None) -> list[RuleVersion]:
    """The versions of ``rule`` (default: of every rule set), oldest first."""
    if rule is not None and rule not in RULE_SETS:
        raise UnknownRule(f"không có bộ quy định {rule!r}; có: {', '.join(RULE_SETS)}")
    names = [rule] if rule is not None else list(RULE_SETS)
    found = [v for name in names for v in RULE_SETS[name]()]
    return sorted(found, key=lambda v: (v.rule, v.in_force_from, v.level, v.version))


def listing(
    rule: str | None = None, on: date | None = None, level: str | None = None
) -> list[dict[str, Any]]:
    """The versions as data: all of them (those that can apply to ``level``), or, ``on`` a
    date, the one of each rule set that applies then to ``level`` (``rules.versions.in_force``:
    a level's own version before an every-level one)."""
    level = rule_level(level) if level is not None else None  # a ward is scored as a commune
    if level is not None and level not in LEVELS[1:]:
        raise ValueError(f"cấp phải là một trong {', '.join(LEVELS[1:])}")
    found = [v for v in versions(rule) if level is None or v.level in ("", level)]
    if on is not None:
        chosen = []
        for name in dict.fromkeys(v.rule for v in found):
            try:
                chosen.append(in_force([v for v in found if v.rule == name], on, level or ""))
            except NoRuleInForce:
                continue
        found = chosen
    return [v.describe() for v in found]

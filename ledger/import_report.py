"""What a plan import adds, changes, withdraws or brings back: the report that
``plan import --check`` prints before anything is written, and the import returns after."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.context import CommandResult

ADDED, CHANGED, WITHDRAWN, REINSTATED = "added", "changed", "withdrawn", "reinstated"


@dataclass(frozen=True)
class ImportChange:
    """One item an import adds, changes, withdraws or brings back, with its line in the text
    read (for a withdrawn item, in the text that had it) where known, and for a changed
    entity the fields that differ."""

    change: str
    ref: str
    line: int | None = None
    fields: tuple[str, ...] = ()
    # What changed, for a reader, where the field's name alone does not say it: a deadline
    # removed, a task moved to another area, a lead the text no longer names.
    detail: tuple[str, ...] = ()


@dataclass
class ImportReport:
    plan: str
    registered: list[str] = field(default_factory=list)
    amended: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    reinstated: list[str] = field(default_factory=list)
    changes: list[ImportChange] = field(default_factory=list)
    result: CommandResult | None = None

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def note(
        self,
        change: str,
        ref: str,
        line: int | None = None,
        fields: tuple[str, ...] = (),
        detail: tuple[str, ...] = (),
    ) -> None:
        """One change; entities also go in the list of their kind (an area is the plan's own:
        the plan is the entity amended)."""
        self.changes.append(ImportChange(change, ref, line, fields, detail))
        listed = {
            ADDED: self.registered,
            CHANGED: self.amended,
            WITHDRAWN: self.withdrawn,
            REINSTATED: self.reinstated,
        }[change]
        if ref not in listed and not (ref.startswith("area:") and change in (ADDED, CHANGED)):
            listed.append(ref)

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "registered": self.registered,
            "amended": self.amended,
            "withdrawn": self.withdrawn,
            "reinstated": self.reinstated,
            "changes": [
                {
                    "change": c.change,
                    "ref": c.ref,
                    "line": c.line,
                    "fields": list(c.fields),
                    "detail": list(c.detail),
                }
                for c in self.changes
            ],
            "positions": list(self.result.positions) if self.result else [],
        }

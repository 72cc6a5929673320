"""Dossier handling and apologies (phiếu xin lỗi và hẹn lại ngày trả kết quả) as versioned data.

``data/dossier-apology.json`` holds each regime with its legal source and dates in force: Decree
61/2018/NĐ-CP as amended by Decree 107/2021/NĐ-CP until 30/06/2025 (the apology no later than one
working day before the due date), Decree 118/2025/NĐ-CP from 01/07/2025 (electronic
inter-linked procedures send it when the deadline passes). The regime is chosen by the dossier's
received date — the rule in force when the dossier was taken in (the file's ``chosen_by``) — and
by its procedure: inter-linked electronically or not. The new appointment may be set once; a
second lateness has no lawful second appointment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Any

from rules.calendar import TIMEZONE, WorkingCalendar
from rules.versions import RuleVersion, in_force

RULE = "dossier-apology"


@dataclass(frozen=True)
class ApologyRegime:
    """One version of the apology rule: when the apology falls due, relative to the due date."""

    version: RuleVersion
    ordinary_offset: int  # working days from the due date (-1: the working day before)
    interlinked_offset: int
    ordinary_when: str
    interlinked_when: str
    new_appointments: int
    second_lateness: str

    def offset(self, interlinked: bool) -> int:
        return self.interlinked_offset if interlinked else self.ordinary_offset

    def when(self, interlinked: bool) -> str:
        return self.interlinked_when if interlinked else self.ordinary_when

    def describe(self) -> dict[str, Any]:
        return {
            **self.version.describe(),
            "apology": {"ordinary": self.ordinary_when, "interlinked": self.interlinked_when},
            "new_appointments": self.new_appointments,
            "second_lateness": self.second_lateness,
        }


@dataclass(frozen=True)
class ApologyDue:
    """When the apology for one dossier is owed, and what decided it."""

    day: date  # the last day the apology may be given
    moment: datetime  # the moment it is missed: the start of the next day, Vietnam time
    rule: str  # the rule version's ref
    calendar: str  # the calendar's version
    when: str  # the rule in words


@cache
def regimes() -> tuple[ApologyRegime, ...]:
    raw = resources.files("rules").joinpath("data/dossier-apology.json").read_bytes()
    data: dict[str, Any] = json.loads(raw)
    out = []
    for item in data["versions"]:
        apology = item["apology"]
        out.append(
            ApologyRegime(
                version=RuleVersion.of_data(data["rule"], item),
                ordinary_offset=int(apology["ordinary"]["working_days_from_due"]),
                interlinked_offset=int(apology["interlinked"]["working_days_from_due"]),
                ordinary_when=apology["ordinary"]["when"],
                interlinked_when=apology["interlinked"]["when"],
                new_appointments=int(item["new_appointments"]),
                second_lateness=item["second_lateness"],
            )
        )
    return tuple(out)


def regime_for(received_on: date) -> ApologyRegime:
    """The regime in force on the day the dossier was received."""
    chosen = in_force([r.version for r in regimes()], received_on)
    return next(r for r in regimes() if r.version is chosen)


def start_of_day_after(day: date) -> datetime:
    """The moment ``day`` ends in Vietnam: a deadline on ``day`` is missed from then on."""
    return datetime.combine(day + timedelta(days=1), time.min, TIMEZONE)


def apology_due(
    calendar: WorkingCalendar, *, received_on: date, due_on: date, interlinked: bool
) -> ApologyDue:
    """When the apology for a late dossier is owed, on ``calendar``."""
    regime = regime_for(received_on)
    day = calendar.add_working_days(due_on, regime.offset(interlinked))
    return ApologyDue(
        day=day,
        moment=start_of_day_after(day),
        rule=regime.version.ref,
        calendar=calendar.version,
        when=regime.when(interlinked),
    )

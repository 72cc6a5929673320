"""Deterministic aggregate ids from natural keys, so that re-importing a plan finds its rows."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

NAMESPACE = UUID("6f1d9a52-3c47-5b8e-9a0e-5d2f4c1b7e30")


def plan_id(plan: str) -> UUID:
    return uuid5(NAMESPACE, f"plan:{plan}")


# Every command on a task names it by plan and number: its id, hashed once (uuid5 was a
# fortieth of a command's CPU).
@lru_cache(maxsize=1 << 16)
def task_id(plan: str, number: str) -> UUID:
    return uuid5(NAMESPACE, f"task:{plan}:{number}")


def target_id(plan: str, number: int) -> UUID:
    return uuid5(NAMESPACE, f"target:{plan}:{number}")


def agency_id(agency_code: str) -> UUID:
    return uuid5(NAMESPACE, f"agency:{agency_code}")


def group_id(group_code: str) -> UUID:
    return uuid5(NAMESPACE, f"group:{group_code}")


def dossier_id(dossier_code: str) -> UUID:
    return uuid5(NAMESPACE, f"dossier:{dossier_code}")


def user_id(name: str) -> UUID:
    return uuid5(NAMESPACE, f"user:{name}")


def unit_id(unit_code: str) -> UUID:
    return uuid5(NAMESPACE, f"unit:{unit_code}")


def calendar_year_id(year: int) -> UUID:
    return uuid5(NAMESPACE, f"calendar:{year}")


def obligation_id(kind: str, cause: str) -> UUID:
    """One obligation per cause: raising it twice names the same aggregate."""
    return uuid5(NAMESPACE, f"obligation:{kind}:{cause}")

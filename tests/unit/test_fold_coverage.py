"""Every domain event class is folded into the views or declared as changing none, with why.

Adding an event to an aggregate without either fails here, so a new or renamed event cannot
silently drop out of every view (the fold tables also refuse a missing class on import).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from eventsourcing.domain import CanInitAggregate, DecoratedFuncCaller, event

import domain
from domain.base import LedgerAggregate
from domain.values import EventMeta
from projections.state import FOLDS, NOT_IN_VIEWS


def aggregates() -> list[type[LedgerAggregate]]:
    """Every aggregate class defined in ``domain/``."""
    found = []
    for info in pkgutil.iter_modules(domain.__path__):
        module = importlib.import_module(f"domain.{info.name}")
        found += [
            obj
            for obj in vars(module).values()
            if isinstance(obj, type)
            and issubclass(obj, LedgerAggregate)
            and obj is not LedgerAggregate
            and obj.__module__ == module.__name__
        ]
    return found


def event_classes(aggregate: type[Any]) -> list[type[Any]]:
    """The classes of the events an aggregate records: one per ``@event`` method."""
    return [
        value
        for name, value in vars(aggregate).items()
        if isinstance(value, type)
        and (
            issubclass(value, DecoratedFuncCaller)
            or (issubclass(value, CanInitAggregate) and name != "Created")
        )
    ]


def unaccounted(classes: list[type[Any]]) -> list[str]:
    missing = [c for c in classes if c not in FOLDS and c not in NOT_IN_VIEWS]
    return sorted(".".join(c.__qualname__.split(".")[-2:]) for c in missing)


def test_every_domain_event_class_is_folded_or_declared() -> None:
    classes = [cls for aggregate in aggregates() for cls in event_classes(aggregate)]
    assert len(classes) >= 36  # the aggregates of release 0.2 record 36 event classes
    assert unaccounted(classes) == []


def test_nothing_is_both_folded_and_declared_outside_the_views() -> None:
    assert set(FOLDS) & set(NOT_IN_VIEWS) == set()
    assert all(reason.strip() for reason in NOT_IN_VIEWS.values())


def test_every_folded_class_is_a_current_domain_event_class() -> None:
    current = {cls for aggregate in aggregates() for cls in event_classes(aggregate)}
    assert set(FOLDS) | set(NOT_IN_VIEWS) <= current


def test_an_event_added_without_a_fold_is_caught() -> None:
    class Probe(LedgerAggregate):
        @event("Registered")
        def __init__(self, meta: EventMeta) -> None:
            pass

        @event("Noted")
        def _noted(self, note: str, meta: EventMeta) -> None:
            pass

    assert unaccounted(event_classes(Probe)) == ["Probe.Noted", "Probe.Registered"]

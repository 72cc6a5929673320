"""Tables of the live views and checkpoints, beside the events, on the library's tracking recorders.

A view row and the tracking record of the event that produced it are written in one
transaction (the library's tracking-recorder pattern), so an event is applied exactly once and a
restarted projection resumes from the position the tracking table holds.

A rebuild never writes into the documents readers are served from: it folds the log into a
shadow table under a tracking name of its own, then ``promote`` swaps the shadow in, with its
position, in one transaction that holds the write lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL
``LOCK … IN EXCLUSIVE MODE``; readers are never blocked and see the old view or the new one,
never a mix). Each promotion bumps the view's generation, a tracking row of its own: a live
catch-up that loaded documents of the generation before refuses to save them over the new one.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import orjson
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder

DOCS_TABLE = "parledger_view_docs"
SHADOW_TABLE = "parledger_view_shadow"  # where a rebuild folds the log before promotion
GENERATION = "parledger:view-generation"  # a tracking row: bumped at each promotion
CHECKPOINTS_TABLE = "parledger_checkpoints"

Row = tuple[str, str, dict[str, Any]]  # (kind, key, document)
# A view's position and its generation, two index lookups in one statement.
STANDING = (
    "SELECT (SELECT MAX(notification_id) FROM {tracking} WHERE application_name = {p}), "
    "(SELECT MAX(notification_id) FROM {tracking} WHERE application_name = {p})"
)


_DOC_OPTIONS = orjson.OPT_SORT_KEYS


def dumps_doc(value: Any) -> str:
    """A document as stored: compact, keys sorted, text unescaped. orjson writes, in C, the
    text of ``json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)``
    (a float at most spelled otherwise, the same number); what it refuses and ``json``
    accepts (keys not text, integers past 64 bits) is written by ``json``."""
    try:
        return orjson.dumps(value, option=_DOC_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def plan_of(doc: dict[str, Any]) -> str | None:
    plan = doc.get("plan")
    return plan if isinstance(plan, str) else None


class StaleGeneration(IntegrityError):
    """A page folded on documents of a view generation since replaced by a rebuild."""


class LedgerView(TrackingRecorder, ABC):
    """Entity documents of the folded ledger state, and checkpoints of replay."""

    docs_table = DOCS_TABLE

    @abstractmethod
    def save(
        self, rows: Sequence[Row], tracking: Tracking | None, generation: int | None = None
    ) -> None:
        """Upsert documents and record the tracking position, atomically; refused with
        :class:`StaleGeneration` when ``generation`` is given and is no longer the view's."""

    @abstractmethod
    def generation(self) -> int:
        """How many times a rebuild was promoted into this view."""

    @abstractmethod
    def standing(self, application_name: str) -> tuple[int, int]:
        """The position held under ``application_name`` and the generation, in one query
        (what every present read asks first)."""

    @abstractmethod
    def shadow(self) -> LedgerView:
        """The same store's shadow table, for a rebuild to fold into."""

    @abstractmethod
    def clear(self, application_name: str) -> None:
        """Forget this table's documents and the position held under ``application_name``."""

    @abstractmethod
    def promote(self, shadow_name: str, application_name: str) -> bool:
        """Swap the shadow's documents and position in as the live view's, atomically, and
        drop the checkpoints (replay's to make again). False, changing nothing, when the live
        view has moved past the shadow: fold the shadow further and try again."""

    @abstractmethod
    def snapshot(self, application_name: str) -> tuple[int, list[Row]]:
        """The position and every document, read in one consistent snapshot."""

    @abstractmethod
    def load(self, keys: Sequence[tuple[str, str]] | None = None) -> list[Row]:
        """The documents asked for, or all of them."""

    @abstractmethod
    def fields_of(self, kind: str, names: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
        """(key, {name: value}) of every document of ``kind``: only the top-level fields
        ``names``, read out of the documents by the database (a list of a country's plans
        needs their codes and titles, not their scores)."""

    @abstractmethod
    def load_plan(self, plan: str) -> list[Row]:
        """The documents of one plan and of the agency directory (one indexed query)."""

    @abstractmethod
    def reset(self, application_name: str) -> None:
        """Forget every document and the position: the next run rebuilds from scratch."""

    @abstractmethod
    def put_checkpoint(self, plan: str, valid_to: str, position: int, state: str) -> None: ...

    @abstractmethod
    def find_checkpoint(
        self, plan: str, valid_to_le: str, position_le: int
    ) -> tuple[str, int, str] | None:
        """The most advanced checkpoint usable for (valid date, position): (valid_to,
        position, state JSON)."""

    @abstractmethod
    def checkpoints(self) -> list[tuple[str, str, int]]: ...

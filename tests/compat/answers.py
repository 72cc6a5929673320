"""The questions a release fixture stores answers to, asked the same way at generation and in
the compatibility test, so that "the same answer" means byte-identical JSON."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import UUID

from integrity.digests import Digest
from integrity.verify import verify
from ledger.application import ParLedger
from persistence.records import IndexFilter
from projections.audit import iter_audit, timeline
from replay import replay
from replay.reports import diff

PLAN = "cat-hai-2023"
SQLITE_FILE = "ledger.sqlite3"
DIGEST_FILE = "digest.json"
KEY_FILE = "fixture-signing-key.pem"
ANSWERS_FILE = "answers.json"
QUESTIONS_FILE = "questions.json"


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def jsonable(value: Any) -> Any:
    """The canonical JSON form of an answer (what the fixture stores and the test compares)."""
    text = json.dumps(value, default=_default, ensure_ascii=False, sort_keys=True)
    return json.loads(text)


def dump(path: Path, value: Any) -> None:
    path.write_text(
        json.dumps(jsonable(value), ensure_ascii=False, sort_keys=True, indent=1) + "\n",
        encoding="utf-8",
    )


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def answer(app: ParLedger, questions: dict[str, Any], digest: Digest) -> dict[str, Any]:
    """Every stored answer for ``questions`` (see ``make_fixture.questions``)."""
    replays = [
        replay(
            app,
            PLAN,
            date.fromisoformat(q["as_of"]),
            _when(q["known_at"]),
            use_checkpoints=False,
        )
        for q in questions["replays"]
    ]
    audit = {
        ref: [
            dataclasses.asdict(row) for row in iter_audit(app, IndexFilter(originator_id=UUID(uid)))
        ]
        for ref, uid in questions["audit"].items()
    }
    timelines = {
        ref: dataclasses.asdict(
            timeline(app, UUID(q["id"]), as_of=_when(q["as_of"]), upto=q["upto"])
        )
        for ref, q in questions["timelines"].items()
    }
    report = verify(app.ledger_recorder, [digest])
    verified = {
        "ok": report.ok,
        "events": report.events,
        "links": report.links,
        "head": report.head.hex(),
        "last_position": report.last_position,
        "digests_checked": report.digests_checked,
        "problems": [dataclasses.asdict(p) for p in report.problems],
    }
    found = diff(app, PLAN, questions["report_period"])
    for entry in found["entries"]:
        # An event's own fields are its stored shape: an upcaster may rename them, and the
        # compatibility promise is about what the ledger answers, not about event shapes.
        entry.pop("data")
    answers: dict[str, Any] = jsonable(
        {
            "replays": replays,
            "audit": audit,
            "timelines": timelines,
            "verify": verified,
            "report_diff": found,
        }
    )
    return answers

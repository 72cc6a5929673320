"""An upcaster turns an event stored in an old shape into today's, on both backends.

The event is a real one written by release 0.2: ``Target.MeasurementRecorded`` with its facts
nested in ``figure`` and no ``class_version``. Its stored bytes stay as they were (the hash
chain covers them); only the decoded event takes class version 2's shape.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain import ids
from domain.target import FIGURE_FACTS, Target
from integrity.operations import export, read_export, restore
from ledger.application import ParLedger
from ledger.usecases.target import RecordMeasurement
from persistence.settings import parse_database_url
from tests.compat.answers import KEY_FILE, PLAN, SQLITE_FILE
from tests.conftest import ctx, vn

RELEASE = Path(__file__).parent / "release-0.2"


def _restored_into(url: str, source: ParLedger) -> ParLedger:
    key = serialization.load_pem_private_key((RELEASE / KEY_FILE).read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    out = io.StringIO()
    export(source.ledger_recorder, key, out)
    app = ParLedger(parse_database_url(url))
    restore(app.ledger_recorder, *read_export(out.getvalue().splitlines(keepends=True)))
    return app


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def old_ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ParLedger]:
    shutil.copyfile(RELEASE / SQLITE_FILE, tmp_path / SQLITE_FILE)
    copied = ParLedger(parse_database_url(f"sqlite:///{tmp_path / SQLITE_FILE}"))
    if request.param == "sqlite":
        yield copied
    else:
        app = _restored_into(request.getfixturevalue("postgres_schema"), copied)
        yield app
        app.close()
    copied.close()


def test_old_measurement_is_upcast_and_new_ones_are_stored_as_version_2(
    old_ledger: ParLedger,
) -> None:
    target_id = ids.target_id(PLAN, 7)
    stored = [
        s
        for s in old_ledger.recorder.select_events(target_id)
        if s.topic.endswith("Target.MeasurementRecorded")
    ]
    raw = json.loads(stored[0].state)
    assert "figure" in raw and "class_version" not in raw  # the shape release 0.2 wrote

    decoded = old_ledger.mapper.to_domain_event(stored[0])
    assert isinstance(decoded, Target.MeasurementRecorded)
    assert not hasattr(decoded, "figure")
    assert {name: getattr(decoded, name) for name in FIGURE_FACTS} == raw["figure"] | {
        "value": Decimal("88"),
        "numerator": None,
        "denominator": None,
        "period_start": date(2023, 1, 1),
        "period_end": date(2023, 6, 10),
    }

    old_ledger.handle(
        ctx(effective=vn(2023, 9, 30)),
        RecordMeasurement(
            plan=PLAN,
            target=7,
            indicator="7b",
            value="93",
            period_start=date(2023, 7, 1),
            period_end=date(2023, 9, 30),
            source="Khảo sát quý III",
            measurement_id="m-7b-q3",
        ),
    )
    newest = old_ledger.recorder.select_events(target_id, desc=True, limit=1)[0]
    new_raw = json.loads(newest.state)
    assert new_raw["class_version"] == 2 and "figure" not in new_raw
    assert new_raw["indicator"] == "7b"
    # The aggregate folds old and new shapes alike.
    target = old_ledger.get_target(PLAN, 7)
    assert target.measurements["m-7b-1"]["status"] == "superseded"
    assert target.measurements["m-7b-q3"]["value"] == Decimal("93")

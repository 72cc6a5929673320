"""A ledger written by an earlier release, opened by a release with the obligations process:
the process raises the obligations its facts owe (its dossiers read as ordinary procedures,
under the regime in force when received), and every stored answer stays the same — the
obligations are new entities, shown by no earlier view, left out of a report's changes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from integrity.digests import Digest
from ledger.application import ParLedger
from ledger.obligations import ObligationsProcess
from replay.obligations import register
from tests.compat.answers import ANSWERS_FILE, DIGEST_FILE, PLAN, QUESTIONS_FILE, answer
from tests.compat.test_release_fixtures import _load, copied, release  # noqa: F401
from tests.conftest import vn


def test_obligations_raised_on_a_stored_ledger_change_no_stored_answer(
    copied: ParLedger,  # noqa: F811
    release: Path,  # noqa: F811
) -> None:
    process = ObligationsProcess(copied)
    assert process.run() > 0
    process.sweep(vn(2024, 1, 1))
    found = register(copied, date(2023, 12, 31), plan=PLAN, kind="apology")
    assert found["obligations"], "the stored late dossiers owe apologies"
    assert {r["rule"] for r in found["obligations"]} == {"dossier-apology@2018.107"}
    assert all(not copied.get_dossier(r["cause"][8:]).interlinked for r in found["obligations"])
    assert process.run() == 0
    expected = _load(release, ANSWERS_FILE)
    got = answer(
        copied, _load(release, QUESTIONS_FILE), Digest.from_json(_load(release, DIGEST_FILE))
    )
    assert got["verify"]["ok"], got["verify"]["problems"]
    for section in ("audit", "timelines"):
        assert got[section] == expected[section], section
    # The report as of now names the head's position, which any new event moves; what it
    # says changed since submission (entries and views) is the same.
    now_diff, then_diff = (
        {k: v for k, v in d["report_diff"].items() if k != "sha256_now"} for d in (got, expected)
    )
    assert now_diff == then_diff
    # Every view of every stored replay is the same; only the counts of events read as known
    # now (the obligation events are in the plan's scope) may differ.
    for now, then in zip(got["replays"], expected["replays"], strict=True):
        if then["replay"]["known_at"] is not None:
            assert now == then
        assert {k: v for k, v in now.items() if k != "replay"} == {
            k: v for k, v in then.items() if k != "replay"
        }

"""The ledger rebuilds aggregates with its own projector (``ledger.loading.project_events``),
which skips the library's per-event protocol check: over every aggregate of a realistic
ledger, at every version, it must rebuild what the library's ``project_aggregate`` rebuilds."""

from __future__ import annotations

from eventsourcing.application import project_aggregate

from benchmarks.ledger_mix import Mix
from ledger.application import ParLedger
from ledger.loading import project_events


def test_the_ledgers_projector_rebuilds_what_the_librarys_rebuilds(app: ParLedger) -> None:
    Mix(app).grow_to(1_500)
    entities = ("Plan", "Task", "Target", "Agency", "AgencyGroup", "Inspection", "LateDossier")
    uids = [uid for entity in entities for uid in app.ledger_recorder.select_originators(entity)]
    assert len(uids) > 100
    events = 0
    for uid in uids:
        stored = list(app.events.get(uid))
        events += len(stored)
        for upto in sorted({1, len(stored) // 2 or 1, len(stored)}):
            ours = project_events(None, stored[:upto])
            theirs = project_aggregate(None, stored[:upto])
            assert ours is not None and theirs is not None
            assert type(ours) is type(theirs) and ours.__dict__ == theirs.__dict__, (uid, upto)
        # Through the repository, which rebuilds with the ledger's projector.
        first = project_aggregate(None, stored[:1])
        assert first is not None
        assert app.repository.get(uid, version=1).__dict__ == first.__dict__
    assert events > 1_000

"""Live views: the folded ledger state kept in the database, exactly once per event.

Catch-up and rebuild (``projections.rebuild``) read the notification log in pages and write
the documents changed by every few pages with the tracking position reached in one transaction;
following new events uses the library's :class:`ProjectionRunner` (PostgreSQL LISTEN/NOTIFY,
SQLite polling) with the same fold, one event per transaction. Either way a process stopped at
any point resumes from the position the tracking table holds, and nothing is applied twice.

A rebuild folds the whole log into the store's shadow table and promotes it in one transaction
(``persistence.viewstore``), so readers and live catch-ups of a running server never see a view
half rebuilt; ``status`` checks that the documents are what the log folds to at the position the
tracking table claims, so a view damaged otherwise is noticed, and repaired by a rebuild.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection, ProjectionRunner

from domain.values import VN_TZ
from ledger.application import ParLedger
from ledger.errors import Conflict
from persistence.viewstore import (
    LedgerView,
    PostgresLedgerView,
    Row,
    SQLiteLedgerView,
    StaleGeneration,
)
from projections.rows import RowDecoder, key_of
from projections.state import FOLDS, LedgerState, apply_one, fold, kind_of

PAGE = 2_000  # events read and folded at a time
SAVE_PAGES = 20  # pages folded at most between saves (one commit of the documents changed)
DOCS_KEPT = 50_000  # documents a catch-up holds in memory between pages (~150 MB)
SHADOW = ":rebuild"  # suffix of the tracking name a rebuild folds the shadow table under
PROMOTE_ATTEMPTS = 100  # each failed attempt folds the shadow on to the head first
NAME = "ledger_state"  # the one persisted view; task board, attainment … derive from it
VIEWS_SERVED = (
    "task_board",
    "target_attainment",
    "area_scores",
    "inspection_history",
    "apology_register",
    "timeline",
)


def _keys(events: list[tuple[int, Any]]) -> list[tuple[str, str]]:
    keys = {(kind, key_of(e)) for _, e in events if (kind := kind_of(e)) is not None}
    return sorted(keys)


def _load_into(view: LedgerView, state: LedgerState, keys: list[tuple[str, str]]) -> None:
    missing = [(k, key) for k, key in keys if key not in state.kind(k)]
    for kind, key, doc in view.load(missing) if missing else []:
        state.kind(kind)[key] = doc


def process_page(
    view: LedgerView,
    state: LedgerState,
    events: list[tuple[int, Any]],
    app_name: str,
    generation: int | None = None,
) -> set[tuple[str, str]]:
    """Fold a page of events into ``state`` and persist what changed with its position
    (refused if ``generation`` is given and a rebuild has replaced the view since); returns
    the documents changed."""
    _load_into(view, state, _keys(events))
    touched: set[tuple[str, str]] = set()
    for position, event in events:
        changed = apply_one(state, event, position)
        if changed is not None:
            touched.add(changed)
    _save(view, state, touched, Tracking(app_name, events[-1][0]), generation)
    return touched


def _fold_rows(
    view: LedgerView,
    state: LedgerState,
    decoder: RowDecoder,
    rows: Sequence[Sequence[Any]],
    evicted: dict[str, str] | None,
) -> set[tuple[str, str]]:
    """A page of stored rows (``select_event_rows``) folded into ``state``, each decoded as
    it is folded, so no page of decoded events is ever held (that alone cost about a quarter
    of a rebuild); the documents it needs loaded first; returns the documents it changed.

    With ``evicted`` (originator -> kind), ``state`` holds every document the view has but
    those (it folded the log from the start, and let these go once saved): only those are
    loaded again, when the page needs them."""
    if evicted is None:
        _load_into(view, state, decoder.keys(rows, FOLDS))
    elif evicted:
        again = {r[1] for r in rows}.intersection(evicted)
        if again:
            _load_into(view, state, sorted((evicted.pop(key), key) for key in again))
    touched: set[tuple[str, str]] = set()
    add = touched.add
    decode = decoder.decode
    for r in rows:
        changed = apply_one(state, decode(r[1], r[2], r[3], r[4], FOLDS), r[0])
        if changed is not None:
            add(changed)
    return touched


def _save(
    view: LedgerView,
    state: LedgerState,
    touched: set[tuple[str, str]],
    tracking: Tracking | None,
    generation: int | None,
) -> None:
    rows = [(kind, key, state.kind(kind)[key]) for kind, key in sorted(touched)]
    view.save(rows, tracking, generation)


def _held(state: LedgerState) -> int:
    return sum(len(docs) for docs in state.docs.values())


def _let_go(
    state: LedgerState,
    used: dict[tuple[str, str], int],
    evicted: dict[str, str] | None,
    kept: int,
) -> None:
    """Past ``kept`` documents held, drop the least recently changed down to half of it
    (all are saved; ``used`` gives the page each was last changed on): memory stays flat
    however long the log, and a document needed again is loaded."""
    held = _held(state)
    if held <= kept:
        return
    oldest = sorted(
        (used.get((kind, key), -1), kind, key) for kind, docs in state.docs.items() for key in docs
    )
    for _, kind, key in oldest[: held - kept // 2]:
        del state.docs[kind][key]
        used.pop((kind, key), None)
        if evicted is not None:
            evicted[key] = kind


def _stored_pages(
    app: ParLedger, after: int, upto: int, part: tuple[int, int] | None = None
) -> Iterator[list[Sequence[Any]]]:
    """The log after ``after`` up to ``upto`` in pages of stored rows, one in memory at a
    time; with ``part``, only that part's originators (``LedgerRecorder.select_event_rows``)."""
    recorder = app.ledger_recorder
    position = after
    while position < upto:
        stored = recorder.select_event_rows(position + 1, upto, PAGE, part)
        if not stored:
            return
        position = stored[-1][0]
        yield stored


def _pages(app: ParLedger, after: int, upto: int) -> Iterator[list[tuple[int, Any]]]:
    """The same pages decoded (``projections.rows``), for folds that want the events."""
    decoder = RowDecoder(app.mapper)
    for stored in _stored_pages(app, after, upto):
        yield decoder.page(stored, FOLDS)  # the others change no view: not parsed


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    elapsed: float
    worker_rss_mib: tuple[float, ...] = ()  # a rebuild's workers' peak memory, if it had any

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


def view_for(app: ParLedger) -> LedgerView:
    return app.view


def catch_up(
    app: ParLedger,
    view: LedgerView | None = None,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    state: LedgerState | None = None,
    name: str | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> Progress:
    """Apply every event after the view's position; returns how many and how fast.

    ``name`` is the tracking name (a rebuild's shadow has its own); the live view's pages are
    saved only while its generation is the one read before its documents were, and when a
    rebuild is promoted meanwhile the catch-up starts again on the new generation (a reader
    must not be left behind the events acknowledged before it asked). ``on_page(first,
    last)`` hears of each range of positions once it is saved (the worker's report).
    """
    view = view or view_for(app)
    if name is not None:
        return fold_into(app, view, name, None, on_progress, state or LedgerState(), on_page)
    for _ in range(PROMOTE_ATTEMPTS):
        try:
            generation = view.generation()
            return fold_into(app, view, app.name, generation, on_progress, LedgerState(), on_page)
        except StaleGeneration:
            continue
    raise Conflict("khung nhìn trực tiếp liên tục được dựng lại; hãy thử lại")


def fold_into(
    app: ParLedger,
    view: LedgerView,
    name: str | None,
    generation: int | None,
    on_progress: Callable[[Progress], None] | None,
    state: LedgerState,
    on_page: Callable[[int, int], None] | None = None,
    *,
    upto: int | None = None,
    part: tuple[int, int] | None = None,
    kept: int | None = None,
) -> Progress:
    """Fold the log after the position tracked under ``name`` up to ``upto`` (the head when
    not given) into ``view``. With no ``name``, from the start and saved with no tracking:
    one ``part`` of a rebuild (``projections.rebuild``), whose caller tracks the whole."""
    kept = DOCS_KEPT if kept is None else kept
    after = 0 if name is None else view.max_tracking_id(name) or 0
    head = int(app.recorder.max_notification_id() or 0) if upto is None else upto
    # From the start with nothing folded yet: a view at position 0 holds no document (reset,
    # clear and promote empty it with its tracking), so only what this fold lets go is loaded.
    evicted: dict[str, str] | None = {} if after == 0 and not state.docs else None
    used: dict[tuple[str, str], int] = {}  # document -> events done when it last changed
    started = time.perf_counter()
    done = 0
    # Documents changed since the last save, the pages folded since, and their first and last
    # positions: a save (one commit) every few pages writes a document changed on several of
    # them once, and the pages are read and let go one at a time meanwhile.
    touched: set[tuple[str, str]] = set()
    folded, first, last = 0, 0, 0

    def save() -> None:
        nonlocal folded
        _save(view, state, touched, None if name is None else Tracking(name, last), generation)
        used.update(dict.fromkeys(touched, done))
        _let_go(state, used, evicted, kept)  # only documents saved: the fold has none other
        touched.clear()
        folded = 0
        gc.collect(1)  # the pages' cycles, if any; the state itself is left alone
        if on_page:
            on_page(first, last)
        if on_progress:
            on_progress(Progress(done, head - after, time.perf_counter() - started))

    decoder = RowDecoder(app.mapper)
    with young_collections_only():
        for page in _stored_pages(app, after, head, part):
            if not folded:
                first = page[0][0]
            touched |= _fold_rows(view, state, decoder, page, evicted)
            last = page[-1][0]
            done += len(page)
            folded += 1
            del page  # freed now, by its count, rather than walked by the collector
            # Saved once the documents held pass the allowance (only saved ones can be let
            # go), else every SAVE_PAGES pages: saves are rare while the fold mostly changes
            # documents it holds, and memory stays bounded by the allowance and one page.
            if folded >= SAVE_PAGES or _held(state) > kept:
                save()
        if folded:
            save()
    return Progress(done, head - after, time.perf_counter() - started)


@contextmanager
def young_collections_only() -> Iterator[None]:
    """The cyclic collector paused while pages are folded (each page then collects its own
    young objects). Decoding makes several containers per event, and each time enough
    accumulate the collector would also walk the growing folded state, which holds no cycles:
    left to itself, it took about half the rebuild's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def stored_state(app: ParLedger, view: LedgerView | None = None) -> LedgerState:
    """The live state as persisted (every document)."""
    view = view or view_for(app)
    state = LedgerState(position=view.max_tracking_id(app.name) or 0)
    for kind, key, doc in view.load():
        state.kind(kind)[key] = doc
    return state


def _comparable(docs: dict[str, dict[str, Any]]) -> dict[tuple[str, str], str]:
    return {
        (kind, key): json.dumps(doc, sort_keys=True, ensure_ascii=False)
        for kind, by_key in docs.items()
        for key, doc in by_key.items()
    }


def disagreements(app: ParLedger, position: int, rows: list[Row]) -> list[str]:
    """Where the stored documents differ from the log folded up to ``position``: documents
    missing, extra or different (at most a few named)."""
    expected = LedgerState()
    for page in _pages(app, 0, position):
        fold(page, expected)
    stored: dict[str, dict[str, Any]] = {}
    for kind, key, doc in rows:
        stored.setdefault(kind, {})[key] = doc
    want, have = _comparable(expected.docs), _comparable(stored)
    found = [f"thiếu {k}/{key}" for k, key in sorted(want.keys() - have.keys())]
    found += [f"thừa {k}/{key}" for k, key in sorted(have.keys() - want.keys())]
    found += [
        f"sai {k}/{key}"
        for k, key in sorted(want.keys() & have.keys())
        if want[k, key] != have[k, key]
    ]
    return found


def status(app: ParLedger, *, check: bool = True) -> dict[str, Any]:
    """Position, lag and counts; with ``check``, whether the documents agree with the log
    folded up to the position the tracking table holds (read in one snapshot)."""
    view = view_for(app)
    position, rows = view.snapshot(app.name)
    head = int(app.recorder.max_notification_id() or 0)
    checkpoints = view.checkpoints()
    problems = disagreements(app, position, rows) if check else []
    return {
        "view": NAME,
        "serves": list(VIEWS_SERVED),
        "position": position,
        "head": head,
        "lag": head - position,
        "documents": len(rows),
        "checkpoints": len(checkpoints),
        "checkpoint_position": max((c[2] for c in checkpoints), default=None),
        "as_of": datetime.now(VN_TZ).date().isoformat(),  # the date reads default to
        "consistent": None if not check else not problems,
        "problems": problems[:20],
        "problem_count": len(problems),
    }


class LedgerStateProjection(Projection[LedgerView]):
    """For the library's runner: one event, one transaction, the same fold."""

    name = NAME
    topics: tuple[str, ...] = ()

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        state = LedgerState()
        process_page(
            self.view, state, [(tracking.notification_id, domain_event)], tracking.application_name
        )


def follow(app_env: dict[str, str], backend: str) -> ProjectionRunner[ParLedger, LedgerView]:
    """Start following new events in a background thread (``runner.stop()`` to end)."""
    view_class = PostgresLedgerView if backend == "postgres" else SQLiteLedgerView
    return ProjectionRunner(
        application_class=ParLedger,
        projection_class=LedgerStateProjection,
        view_class=view_class,
        env=app_env,
    )

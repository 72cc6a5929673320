"""Folding the log into a view's documents, a few pages per transaction, exactly once per event:
what a catch-up, a rebuild and each part of a parallel rebuild share (``projections.live``,
``projections.rebuild``, ``projections.partworker``).

It needs only the log's recorder and mapper (:class:`LogSource`), not the application, so a
rebuild's worker process imports the fold and the store and nothing of the use cases.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder, Mapper, Tracking

from persistence.records import LedgerRecorder
from persistence.viewstore import LedgerView
from projections.rows import RowDecoder, key_of
from projections.state import FOLDS, LedgerState, apply_one, kind_of

PAGE = 2_000  # events read and folded at a time
SAVE_PAGES = 20  # pages folded at most between saves (one commit of the documents changed)
DOCS_KEPT = 50_000  # documents a catch-up holds in memory between pages (~150 MB)


class LogSource(Protocol):
    """What a fold reads the log through: the application, or a rebuild worker's own."""

    @property
    def ledger_recorder(self) -> LedgerRecorder: ...

    @property
    def mapper(self) -> Mapper[Any]: ...

    @property
    def recorder(self) -> ApplicationRecorder: ...


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


def stored_pages(
    app: LogSource, after: int, upto: int, part: tuple[int, int] | None = None
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


def pages(app: LogSource, after: int, upto: int) -> Iterator[list[tuple[int, Any]]]:
    """The same pages decoded (``projections.rows``), for folds that want the events."""
    decoder = RowDecoder(app.mapper)
    for stored in stored_pages(app, after, upto):
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


def fold_into(
    app: LogSource,
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
        for page in stored_pages(app, after, head, part):
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

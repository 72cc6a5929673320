"""The ledger's application core: what every use case shares.

Recording (index rows in the events' transaction), idempotency (a command's fingerprint and its
first outcome), optimistic concurrency, loading aggregates, the agency directory and
authentication. The use cases themselves live in ``ledger/usecases/``, one module per
aggregate, each command declared once beside its handler (``ledger/commands.py``).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import cached_property
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import datetime_now_with_tzinfo
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    Notification,
    Recording,
    StoredEvent,
)

from domain.base import LedgerAggregate
from domain.errors import DomainError, InvalidValue
from domain.plan import Plan
from domain.values import VN_TZ, Actor, EventMeta, Role, optional_text
from ledger.commands import Command
from ledger.context import Change, CommandContext, CommandResult
from ledger.errors import Conflict, IdempotencyConflict
from ledger.groupcommit import GroupCommitter
from ledger.loading import LedgerBase
from ledger.transcodings import register_ledger_transcodings
from ledger.written import WrittenAggregates
from persistence.credentials import Credentials
from persistence.records import (
    CommandRow,
    IdempotencyKeyReused,
    IndexFilter,
    IndexRow,
)
from persistence.settings import Database, database_from_env
from persistence.vault import PersonVault
from persistence.viewstore import LedgerView, view_class

A = TypeVar("A", bound=LedgerAggregate)

# A clock a few seconds ahead on the client is not a claim about the future.
CLOCK_SKEW = timedelta(minutes=2)


def fingerprint(name: str, payload: dict[str, Any], actor: Actor) -> str:
    """A stable hash of a command's input, to tell a retry from a different command."""
    canonical = json.dumps(
        {"command": name, "actor": actor.id, "payload": payload},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def plan_of(aggregate: object) -> str | None:
    """The plan an aggregate belongs to: its scope in the event index."""
    if isinstance(aggregate, Plan):
        return aggregate.code
    plan = getattr(aggregate, "plan", None)
    return plan if isinstance(plan, str) else None


class LedgerCore(LedgerBase):
    """The ledger: commands append events; reads rebuild aggregates from them."""

    name = "parledger"
    # Hot aggregates come from the cache, brought up to date on every get by reading only the
    # events after the cached version (fast-forward): correct with several processes writing
    # one store. The cache is never filled from a save (the library does that only without
    # fast-forward), and each get hands out a deep copy, so a command refused after deciding
    # leaves the cached aggregate as stored. Skipping a fast-forward another thread is running
    # would hand out a stale aggregate: off.
    env: ClassVar[dict[str, str]] = {
        "AGGREGATE_CACHE_MAXSIZE": "2000",
        "AGGREGATE_CACHE_FASTFORWARD": "y",
        "AGGREGATE_CACHE_FASTFORWARD_SKIPPING": "n",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
    }

    def __init__(self, database: Database | None = None, env: dict[str, str] | None = None):
        self.database = database or database_from_env()
        self._attempted = threading.local()
        super().__init__({**self.database.env, **(env or {})})

    @property
    def creates_tables(self) -> bool:
        """False for a service role that may not run DDL (``PARLEDGER_CREATE_TABLES=no``)."""
        return self.env.get("CREATE_TABLE", "yes").lower() not in ("no", "n", "false", "0", "off")

    @cached_property
    def view(self) -> LedgerView:
        """The live view and checkpoint tables, in the ledger's own database."""
        datastore = self.recorder.datastore  # type: ignore[attr-defined]
        view = view_class(self.database.backend)(datastore)
        if self.creates_tables:
            view.create_table()
        return view

    @cached_property
    def vault(self) -> PersonVault:
        return PersonVault(
            self.recorder.datastore,  # type: ignore[attr-defined]
            self.database.backend,
            create=self.creates_tables,
        )

    @cached_property
    def credentials(self) -> Credentials:
        """Password hashes and sign-in sessions, beside the ledger and never in it."""
        return Credentials(
            self.recorder.datastore,  # type: ignore[attr-defined]
            self.database.backend,
            create=self.creates_tables,
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_ledger_transcodings(transcoder)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's ``save``, collecting the pending events of the ledger's own
        aggregates directly: its protocol ``isinstance`` checks on every object were a
        twentieth of a command's CPU."""
        if not all(isinstance(obj, LedgerAggregate) for obj in objs):
            return super().save(*objs, **kwargs)
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            processing_event.events.extend(obj.collect_events())
            processing_event.aggregates[obj.id] = obj
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # deprecated, as the library still calls it
        return recordings

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        # The index rows ride along to the recorder, which writes them in the same
        # transaction as the events (the library's "searchable timestamps" pattern).
        processing_event.saved_kwargs["index_rows"] = [
            IndexRow(
                originator_id=e.originator_id,
                originator_version=e.originator_version,
                entity=type(e).__qualname__.split(".")[0],
                event_type=type(e).__qualname__.split(".")[-1],
                recorded_at=e.timestamp,  # type: ignore[attr-defined]
                effective_at=e.meta.effective_at,  # type: ignore[attr-defined]
                actor_id=e.meta.actor.id,  # type: ignore[attr-defined]
                plan=plan_of(processing_event.aggregates.get(e.originator_id)),
                actor_role=e.meta.actor.role.value,  # type: ignore[attr-defined]
                actor_agency=e.meta.actor.agency,  # type: ignore[attr-defined]
            )
            for e in processing_event.events
        ]
        if processing_event.tracking is not None:
            return super()._record(processing_event)
        # As the library's event store puts them, but through the group committer: the
        # mapping is done here, in the command's own thread; only the append is shared.
        events = processing_event.events
        stored = [self.mapper.to_stored_event(e) for e in events]
        self._attempted.stored = stored  # what this thread tried last (see _moved_on)
        ids = self.committer.submit(stored, processing_event.saved_kwargs)
        assert len(ids) == len(stored)
        if self.repository.cache and not self.repository.fastforward:
            for aggregate_id, aggregate in processing_event.aggregates.items():
                self.repository.cache.put(aggregate_id, aggregate)
        return [
            Recording(
                d,
                Notification(
                    id=n,
                    originator_id=s.originator_id,
                    originator_version=s.originator_version,
                    topic=s.topic,
                    state=s.state,
                ),
            )
            for d, s, n in zip(events, stored, ids, strict=True)
        ]

    @cached_property
    def committer(self) -> GroupCommitter:
        """Concurrent commands of this process appended together (``ledger/groupcommit.py``)."""
        recorder = self.ledger_recorder

        def one(stored: Sequence[StoredEvent], kwargs: dict[str, Any]) -> Sequence[int]:
            return self.recorder.insert_events(stored, **kwargs) or ()

        # How long a leader may wait for as many commands as concurrent clients made the last
        # batches (one client alone never waits): PARLEDGER_GROUP_COMMIT_GATHER_MS, 0: never.
        gather = float(self.env.get("PARLEDGER_GROUP_COMMIT_GATHER_MS", "5")) / 1000
        return GroupCommitter(one, recorder.insert_batch, gather=gather)

    def meta(self, ctx: CommandContext) -> EventMeta:
        """The metadata every event of this command carries; valid time checked here
        because "not in the future" depends on the clock, which the domain does not read."""
        now = datetime_now_with_tzinfo()
        effective = ctx.effective_at or now
        if effective.tzinfo is None:
            effective = effective.replace(tzinfo=VN_TZ)
        if effective > now + CLOCK_SKEW:
            raise InvalidValue(
                f"ngày hiệu lực {effective.astimezone(VN_TZ):%d/%m/%Y %H:%M} ở tương lai",
                field="effective_at",
            )
        if effective.date() < date(2000, 1, 1):
            raise InvalidValue("ngày hiệu lực trước năm 2000", field="effective_at")
        return EventMeta(
            actor=ctx.actor,
            effective_at=effective,
            reason=optional_text(ctx.reason, "reason", limit=2000),
            request_id=optional_text(ctx.request_id, "request_id", limit=200),
            idempotency_key=optional_text(ctx.idempotency_key, "Idempotency-Key", limit=200),
            source=ctx.source,
        )

    def execute(
        self,
        ctx: CommandContext,
        command: Command,
        decide: Callable[[EventMeta], Sequence[LedgerAggregate]],
        detail: dict[str, str] | None = None,
        pseudonyms: dict[str, str] | None = None,
    ) -> CommandResult:
        """Run one command: idempotency, decision, atomic append, conflict translation.
        ``detail`` is what the first outcome tells the caller besides the changes;
        ``pseudonyms`` stand for the command's personal fields in its fingerprint."""
        key = f"{ctx.actor.id}:{ctx.idempotency_key}" if ctx.idempotency_key else None
        # When it took effect and why are part of what was asked: the same key with another
        # effective date or reason is another command, not a retry.
        said = {"effective_at": ctx.effective_at, "reason": ctx.reason}
        # Only a command with a key is ever compared with another: without one, its
        # canonical form is not computed at all.
        print_ = (
            fingerprint(
                command.operation,
                {**command.fingerprint_payload(), **(pseudonyms or {}), "_meta": said},
                ctx.actor,
            )
            if key is not None
            else ""
        )
        # A stored key is looked up only when the command cannot simply be appended: when
        # the decision refuses it (the first attempt moved the version on, or completed the
        # task, …), when it changes nothing, or when the append meets the key (below). The
        # answer is then the first outcome, as if looked up first; a first attempt costs
        # no extra query.
        try:
            aggregates = decide(self.meta(ctx))
        except DomainError:
            prior = self.ledger_recorder.get_command(key) if key is not None else None
            if prior is None:
                raise
            return self._replay(prior, print_)
        changes = tuple(
            Change(entity=type(a).ENTITY, id=a.uuid, version=a.version)
            for a in aggregates
            if a.pending_events
        )
        if not changes:
            prior = self.ledger_recorder.get_command(key) if key is not None else None
            return CommandResult(changes=()) if prior is None else self._replay(prior, print_)
        pending = {a.uuid: len(a.pending_events) for a in aggregates}
        row = (
            CommandRow(
                key=key,
                fingerprint=print_,
                recorded_at=datetime_now_with_tzinfo(),
                # With the first version each aggregate got, so a retry can name the
                # positions of exactly these events.
                result={
                    "changes": [
                        [c.entity, str(c.id), c.version, c.version - pending[c.id] + 1]
                        for c in changes
                    ]
                },
            )
            if key is not None
            else None
        )
        try:
            recordings = self.save(*aggregates, command=row)
        except IntegrityError as error:
            if key is not None:
                prior = self.ledger_recorder.get_command(key)
                if prior is not None:
                    # Stored by a concurrent duplicate, or by our own first attempt whose
                    # acknowledgement was lost: either way, the outcome is the first one.
                    return self._replay(prior, print_)
            if isinstance(error, IdempotencyKeyReused):
                raise IdempotencyConflict(
                    "khóa chống lặp đang được dùng cho một yêu cầu khác đang xử lý",
                    field="Idempotency-Key",
                    code="idempotency_key_in_flight",
                ) from error
            raise Conflict(
                "dữ liệu vừa được người khác thay đổi; hãy tải lại và thử lại",
                field="version",
            ) from error
        return CommandResult(
            changes=changes,
            positions=tuple(r.notification.id for r in recordings),
            detail=detail or {},
        )

    def _replay(self, prior: CommandRow, print_: str) -> CommandResult:
        """The first outcome of an idempotent command, positions included."""
        if prior.fingerprint != print_:
            raise IdempotencyConflict(
                "khóa chống lặp này đã được dùng cho một yêu cầu khác", field="Idempotency-Key"
            )
        return self._outcome(prior, replayed=True)

    def outcome(self, actor: Actor, idempotency_key: str) -> CommandResult | None:
        """What ``actor``'s command sent with ``idempotency_key`` recorded, positions included
        (None when none was stored): what the page a form redirects to shows."""
        prior = self.ledger_recorder.get_command(f"{actor.id}:{idempotency_key}")
        return None if prior is None else self._outcome(prior, replayed=False)

    def _outcome(self, prior: CommandRow, *, replayed: bool) -> CommandResult:
        changes, positions = [], []
        for entity, uid, version, *first in prior.result["changes"]:
            change = Change(entity=entity, id=UUID(uid), version=version)
            changes.append(change)
            lowest = first[0] if first else version  # rows stored before "first" was kept
            rows = self.ledger_recorder.select_filtered(
                IndexFilter(originator_id=change.id), gt=0, limit=version + 1
            )
            positions += [p for p, row in rows if lowest <= row.originator_version <= version]
        return CommandResult(
            changes=tuple(changes), positions=tuple(sorted(positions)), replayed=replayed
        )

    # -- loading ---------------------------------------------------------------------------

    def change(
        self,
        ctx: CommandContext,
        command: Command,
        target: tuple[type[A], UUID, str],
        act: Callable[[A, EventMeta], object],
        **options: Any,
    ) -> CommandResult:
        """The common shape of a command on one existing aggregate: load ``target`` (class,
        id, what to call it) at the expected version, let ``act`` check and decide, save.
        Loading happens inside the decision, so an idempotent retry sees the state anew.

        When this process saved the aggregate last, the decision is made on it as saved,
        without a read (``ledger/written.py``): the append itself checks that it is still
        current. If that attempt fails in any way and the aggregate has in fact moved on
        (another process wrote it), the command is decided again on the aggregate loaded the
        long way, so the caller sees only the outcome against the current state."""
        cls, aggregate_id, what = target

        def attempt(load: Callable[[], A]) -> CommandResult:
            decided: list[A] = []

            def decide(meta: EventMeta) -> list[LedgerAggregate]:
                found = load()
                act(found, meta)
                decided.append(found)
                return [found]

            result = self.execute(ctx, command, decide, **options)
            if decided and not result.replayed:
                self.written.put(decided[0])
            return result

        known = self.written.take(cls, aggregate_id)
        if known is not None:
            version = known.version
            self._attempted.stored = ()
            try:
                return attempt(lambda: self.expect(known, what, ctx))
            except DomainError:
                if not self._moved_on(aggregate_id, version):
                    raise
        return attempt(lambda: self.for_update(cls, aggregate_id, what, ctx))

    @cached_property
    def written(self) -> WrittenAggregates:
        """Aggregates as this process saved them (none kept when the cache is off)."""
        cache = self.repository.cache
        maxsize = getattr(cache, "maxsize", 0) if cache is not None else 0
        return WrittenAggregates(maxsize if isinstance(maxsize, int) else 0)

    def _moved_on(self, aggregate_id: UUID, version: int) -> bool:
        """Whether another writer stored the aggregate's next version after ``version``: not
        this command's own attempt (its events stored although the acknowledgement was lost,
        then met again as a conflict), which is answered as before."""
        stored = self.recorder.select_events(aggregate_id, gt=version, limit=1)
        if not stored:
            return False
        ours = getattr(self._attempted, "stored", ())
        return not any(
            s.originator_id == aggregate_id
            and s.originator_version == stored[0].originator_version
            and s.state == stored[0].state
            for s in ours
        )


def cli_operator(login: str) -> Actor:
    """The local operator of the CLI: whoever holds the machine account runs as admin."""
    return Actor(id=f"os:{login}", name=login, role=Role.ADMIN)

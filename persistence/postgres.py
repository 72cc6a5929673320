"""The PostgreSQL recorder: a whole command appended by one server function call."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, cast
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    StoredEvent,
    Tracking,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresTrackingRecorder,
)
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from integrity.chain import (
    StoredLink,
)
from persistence.merkle import PostgresMerkleNodes
from persistence.monitoring import PostgresMonitoring
from persistence.records import (
    ADDED_COLUMNS,
    APPEND_ONLY_TABLES,
    CHAIN_TABLE,
    COMMANDS_TABLE,
    DIRECTORY_ENTITIES,
    FACT_COLUMNS,
    INDEX_KEYS,
    INDEX_TABLE,
    PG_TRACKING_TABLE,
    PG_UTC,
    CommandRow,
    IdempotencyKeyReused,
    IndexRow,
    LedgerRecorder,
    Window,
    digest_of,
    index_values,
    scoped_where,
)


def quoted(text: str) -> str:
    """``text`` as a double-quoted element of an array or field of a composite literal."""
    if "\\" in text or '"' in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def array_literal(items: Iterable[str | None]) -> str:
    """PostgreSQL's text form of an array of these elements' text forms (None: NULL)."""
    return "{" + ",".join(["NULL" if x is None else quoted(x) for x in items]) + "}"


def composite_literal(fields: Iterable[str | None]) -> str:
    """PostgreSQL's text form of a row of these fields' text forms (None: NULL)."""
    return "(" + ",".join(["" if x is None else quoted(x) for x in fields]) + ")"


def bytea_text(data: bytes) -> str:
    return "\\x" + data.hex()


class LedgerPostgresRecorder(
    PostgresMonitoring, PostgresMerkleNodes, PostgresApplicationRecorder, LedgerRecorder
):
    """Appends a whole command in one statement: one round trip, one transaction.

    The server function locks the events table (EXCLUSIVE, as the library does) before it
    takes notification ids, and holds the lock until commit, so ids follow commit order and a
    reader tailing the log never passes a gap that fills in later.
    """

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        # The views' tracking table (``persistence.viewstore``): a process application's
        # position is written by the library's own statement, in the events' transaction.
        self.tracker = PostgresTrackingRecorder(datastore, tracking_table_name=PG_TRACKING_TABLE)
        schema = Identifier(self.datastore.schema)
        names = {
            "schema": schema,
            "events": Identifier(self.events_table_name),
            "index": Identifier(INDEX_TABLE),
            "commands": Identifier(COMMANDS_TABLE),
            "chain": Identifier(CHAIN_TABLE),
            "refuse": Identifier("parledger_refuse_change"),
            "event_type": Identifier(self.stored_event_type_name),
            "append": Identifier("parledger_append"),
            "channel": Identifier(self.channel_name),
            "lock_timeout": SQL(str(int(self.datastore.lock_timeout or 10))),
        }
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{index} ("
                "notification_id bigint PRIMARY KEY, "
                "originator_id uuid NOT NULL, "
                "originator_version bigint NOT NULL, "
                "entity text NOT NULL, "
                "event_type text NOT NULL, "
                "recorded_at timestamptz NOT NULL, "
                "effective_at timestamptz NOT NULL, "
                "actor_id text NOT NULL, "
                "plan text, actor_role text, actor_agency text)"
            ).format(**names),
            *(
                SQL(
                    "ALTER TABLE {schema}.{index} ADD COLUMN IF NOT EXISTS {column} " + kind
                ).format(column=Identifier(column), **names)
                for column, kind in ADDED_COLUMNS
            ),
            *(
                SQL(
                    "CREATE INDEX IF NOT EXISTS {name} ON {schema}.{index} (" + columns + ")"
                ).format(name=Identifier(f"{INDEX_TABLE}_{name}"), **names)
                for name, columns in INDEX_KEYS
            ),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{commands} ("
                "key text PRIMARY KEY, fingerprint text NOT NULL, "
                "recorded_at timestamptz NOT NULL, result text NOT NULL)"
            ).format(**names),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{chain} ("
                "leaf_index bigint PRIMARY KEY, notification_id bigint NOT NULL UNIQUE, "
                "leaf bytea NOT NULL, link bytea NOT NULL)"
            ).format(**names),
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{refuse}() RETURNS trigger "
                "LANGUAGE plpgsql AS $BODY$ BEGIN "
                "RAISE EXCEPTION 'parledger: % is append-only (% refused)', TG_TABLE_NAME, TG_OP "
                "USING ERRCODE = 'insufficient_privilege'; END; $BODY$"
            ).format(**names),
            *(
                statement.format(table=Identifier(table), **names)
                for table in (self.events_table_name, *APPEND_ONLY_TABLES)
                for statement in (
                    SQL(
                        "CREATE OR REPLACE TRIGGER parledger_no_change BEFORE UPDATE OR DELETE "
                        "ON {schema}.{table} FOR EACH ROW EXECUTE FUNCTION {schema}.{refuse}()"
                    ),
                    SQL(
                        "CREATE OR REPLACE TRIGGER parledger_no_truncate BEFORE TRUNCATE "
                        "ON {schema}.{table} FOR EACH STATEMENT "
                        "EXECUTE FUNCTION {schema}.{refuse}()"
                    ),
                    # ALWAYS: also under session_replication_role = replica.
                    SQL("ALTER TABLE {schema}.{table} ENABLE ALWAYS TRIGGER parledger_no_change"),
                    SQL("ALTER TABLE {schema}.{table} ENABLE ALWAYS TRIGGER parledger_no_truncate"),
                )
            ),
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{append}("
                "events {schema}.{event_type}[], "
                "entities text[], event_types text[], recorded timestamptz[], "
                "effective timestamptz[], actors text[], plans text[], roles text[], "
                "actor_agencies text[], "
                "cmd_key text, cmd_fingerprint text, cmd_recorded timestamptz, cmd_result text, "
                "digests bytea[]) "
                # DEFINER: a service role may append through this function alone.
                "RETURNS SETOF bigint LANGUAGE plpgsql SECURITY DEFINER "
                "SET search_path = pg_catalog, pg_temp AS $BODY$ "
                "DECLARE ids bigint[]; head bigint; previous bytea; leaves bytea[]; "
                "links bytea[]; "
                "BEGIN "
                "  SET LOCAL lock_timeout = '{lock_timeout}s'; "
                "  LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE; "
                "  IF cmd_key IS NOT NULL THEN "
                "    INSERT INTO {schema}.{commands} "
                "    VALUES (cmd_key, cmd_fingerprint, cmd_recorded, cmd_result); "
                "  END IF; "
                "  NOTIFY {channel}; "
                "  WITH inserted AS ("
                "    INSERT INTO {schema}.{events} "
                "    (originator_id, originator_version, topic, state) "
                "    SELECT e.originator_id, e.originator_version, e.topic, e.state "
                "    FROM unnest(events) WITH ORDINALITY AS e "
                "    ORDER BY ordinality "
                "    RETURNING notification_id) "
                "  SELECT array_agg(notification_id ORDER BY notification_id) INTO ids "
                "  FROM inserted; "
                "  IF entities IS NOT NULL THEN "
                "    INSERT INTO {schema}.{index} "
                "    SELECT ids[i], (events[i]).originator_id, (events[i]).originator_version, "
                "    entities[i], event_types[i], recorded[i], effective[i], actors[i], plans[i], "
                "    roles[i], actor_agencies[i] "
                "    FROM generate_subscripts(events, 1) AS i; "
                "  END IF; "
                # The links, in this transaction, under the lock: no event without its link.
                "  SELECT c.leaf_index, c.link INTO head, previous FROM {schema}.{chain} c "
                "  ORDER BY c.leaf_index DESC LIMIT 1; "
                "  IF NOT FOUND THEN head := -1; previous := decode(repeat('00', 32), 'hex'); "
                "  END IF; "
                "  FOR i IN 1 .. array_length(ids, 1) LOOP "
                "    leaves[i] := sha256(decode('00', 'hex') || int8send(ids[i]) || digests[i]); "
                "    previous := sha256(previous || leaves[i]); "
                "    links[i] := previous; "
                "  END LOOP; "
                "  INSERT INTO {schema}.{chain} "
                "  SELECT head + i, ids[i], leaves[i], links[i] "
                "  FROM generate_subscripts(ids, 1) AS i; "
                "  RETURN QUERY SELECT unnest(ids); "
                "END; $BODY$"
            ).format(**names),
        ]
        # The arrays go as literals this recorder writes (``array_literal``), cast here:
        # psycopg's own array and composite dumpers inspected every element of every call,
        # a tenth of a command's CPU. Rendered once: a composed statement is rendered again
        # on every execute.
        self.sql_append = (
            SQL(
                "SELECT * FROM {schema}.{append}(%s::{schema}.{event_type}[], %s::text[], "
                "%s::text[], %s::timestamptz[], %s::timestamptz[], %s::text[], %s::text[], "
                "%s::text[], %s::text[], %s, %s, %s, %s, %s::bytea[])"
            )
            .format(**names)
            .as_bytes(None)
        )

    def _digests(
        self, stored_events: Sequence[StoredEvent], rows: Sequence[IndexRow]
    ) -> list[bytes] | None:
        """The event digests the server function links (computed here, where the index
        facts are at hand, so both backends hash the same bytes)."""
        return [digest_of(e, rows[i] if rows else None) for i, e in enumerate(stored_events)]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        return self._append(stored_events, **kwargs)

    def _append(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        tracking: Tracking | None = kwargs.get("tracking")
        if tracking is not None:
            # Refused (IntegrityError) unless it moves the position on: a page processed
            # twice is rolled back whole, its events with it.
            with self.datastore.transaction(commit=True) as curs:
                ids = self._call_append(curs, stored_events, kwargs) if stored_events else []
                self.tracker._insert_tracking(curs, tracking)
            return ids
        if not stored_events:
            return []
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            return self._call_append(curs, stored_events, kwargs)

    def insert_batch(
        self, members: Sequence[tuple[Sequence[StoredEvent], dict[str, Any]]]
    ) -> list[Sequence[int]]:
        # The server function once per member, in one transaction: one commit (one fsync);
        # each call links its events after the previous call's, under the same lock. All of
        # it pipelined (BEGIN, the calls, COMMIT): one round trip for the batch, not one per
        # member. Any member's error fails the whole batch (the committer then appends each
        # alone, for each its own error).
        with self.datastore.get_connection() as conn:
            with conn.pipeline(), conn.transaction():
                cursors = []
                for stored, kwargs in members:
                    curs = conn.cursor()
                    if stored:
                        curs.execute(self.sql_append, self._params(stored, kwargs), prepare=True)
                    cursors.append(curs)
            return [
                [row["parledger_append"] for row in curs.fetchall()] if stored else []
                for curs, (stored, _) in zip(cursors, members, strict=True)
            ]

    def _call_append(
        self, curs: Any, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]
    ) -> list[int]:
        command: CommandRow | None = kwargs.get("command")
        try:
            curs.execute(self.sql_append, self._params(stored_events, kwargs), prepare=True)
            return [row["parledger_append"] for row in curs.fetchall()]
        except psycopg.IntegrityError as e:
            # Raised inside the datastore's connection block, which translates psycopg's
            # errors on the way out: ours passes through as it is.
            if command is not None and f"{COMMANDS_TABLE}_pkey" in str(e):
                raise IdempotencyKeyReused(str(e)) from e
            raise

    def _params(
        self, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]
    ) -> tuple[Any, ...]:
        """The server function's arguments for one command's events, index rows and
        command row."""
        rows: Sequence[IndexRow] = kwargs.get("index_rows", ())
        command: CommandRow | None = kwargs.get("command")
        digests = self._digests(stored_events, rows)
        columns = zip(
            *(
                (
                    r.entity,
                    r.event_type,
                    r.recorded_at.isoformat(),
                    r.effective_at.isoformat(),
                    r.actor_id,
                    r.plan,
                    r.actor_role,
                    r.actor_agency,
                )
                for r in rows
            ),
            strict=True,
        )
        index = [array_literal(column) for column in columns] if rows else [None] * 8
        return (
            array_literal(
                [
                    composite_literal(
                        (
                            str(e.originator_id),
                            str(e.originator_version),
                            e.topic,
                            bytea_text(e.state),
                        )
                    )
                    for e in stored_events
                ]
            ),
            *index,
            command.key if command else None,
            command.fingerprint if command else None,
            command.recorded_at if command else None,
            json.dumps(command.result, sort_keys=True) if command else None,
            None if digests is None else array_literal(bytea_text(d) for d in digests),
        )

    def _read(self, template: str, params: Sequence[Any], prepare: bool | None = None) -> list[Any]:
        schema = self.datastore.schema
        statement = SQL(template).format(
            index=Identifier(schema, INDEX_TABLE),
            chain=Identifier(schema, CHAIN_TABLE),
            commands=Identifier(schema, COMMANDS_TABLE),
            p=SQL("%s"),
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params, prepare=prepare)
            return list(curs.fetchall())

    def _stamp(self, moment: datetime) -> Any:
        return moment

    def _uid(self, uid: UUID) -> Any:
        return uid

    def _uuid(self, stored: Any) -> UUID:
        return cast(UUID, stored)  # psycopg reads a uuid column as a UUID

    def _sql(self, text: str) -> Any:
        return SQL(text).format(
            schema=Identifier(self.datastore.schema),
            events=Identifier(self.events_table_name),
            index=Identifier(INDEX_TABLE),
            chain=Identifier(CHAIN_TABLE),
        )

    def _chained_select(self, tail: str) -> Any:
        facts = FACT_COLUMNS.format(
            recorded=PG_UTC.format("recorded_at"), effective=PG_UTC.format("effective_at")
        )
        return self._sql(
            "SELECT e.notification_id, replace(e.originator_id::text, '-', ''), "
            f"e.originator_version, e.topic, e.state, {facts} "
            "FROM {schema}.{events} e "
            "LEFT JOIN {schema}.{index} i ON i.notification_id = e.notification_id "
            "LEFT JOIN {schema}.{chain} c ON c.notification_id = e.notification_id " + tail
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's
    def select_event_rows(
        self, start: int, stop: int, limit: int, part: tuple[int, int] | None = None
    ) -> list[Sequence[Any]]:
        where, params = "", [start, stop]
        if part is not None:  # records.part_of: the id's last byte modulo the parts
            where = " AND get_byte(uuid_send(originator_id), 15) %% %s = %s"
            params += [part[1], part[0]]
        statement = self._sql(
            "SELECT notification_id, replace(originator_id::text, '-', ''), originator_version, "
            "topic, state FROM {schema}.{events} "
            f"WHERE notification_id >= %s AND notification_id <= %s{where} "
            "ORDER BY notification_id LIMIT %s"
        )
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            # Binary results: the state's bytes as they are, not as hex text to decode (half
            # the client's time per row: 2.4 -> 1.1 us CPU, measured over 400,000 rows).
            curs.execute(statement, (*params, limit), prepare=True, binary=True)
            return list(curs.fetchall())

    def select_chained_rows(self, *, gt: int = 0, limit: int = 5000) -> list[Sequence[Any]]:
        statement = self._chained_select(
            "WHERE e.notification_id > %s ORDER BY e.notification_id LIMIT %s"
        )
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            curs.execute(statement, (gt, limit), prepare=True)
            return list(curs.fetchall())

    def stream_chained_rows(self, batch: int = 20_000) -> Iterator[list[Sequence[Any]]]:
        # A server-side cursor over one statement: one snapshot, one plan, and each FETCH a
        # statement of its own (well inside statement_timeout however long the ledger).
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor("parledger_chain_scan", row_factory=tuple_row) as curs,
        ):
            curs.execute(self._chained_select("ORDER BY e.notification_id"))
            while rows := curs.fetchmany(batch):
                yield list(rows)

    def restore(self, links: Sequence[StoredLink]) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._sql("LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE"))
            curs.execute(self._sql("SELECT 1 FROM {schema}.{events} LIMIT 1"))
            if curs.fetchone() is not None:
                raise IntegrityError("restore needs an empty ledger")
            curs.executemany(
                self._sql(
                    "INSERT INTO {schema}.{events} (notification_id, originator_id, "
                    "originator_version, topic, state) VALUES (%s, %s, %s, %s, %s)"
                ),
                [
                    (
                        x.event.position,
                        x.event.originator_id,
                        x.event.originator_version,
                        x.event.topic,
                        x.event.state,
                    )
                    for x in links
                ],
            )
            curs.executemany(
                self._sql(
                    "INSERT INTO {schema}.{index} (notification_id, originator_id, "
                    "originator_version, entity, event_type, recorded_at, effective_at, "
                    "actor_id, plan, actor_role, actor_agency) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                ),
                [index_values(x.event) for x in links if x.event.entity is not None],
            )
            curs.executemany(
                self._sql("INSERT INTO {schema}.{chain} VALUES (%s, %s, %s, %s)"),
                [(x.leaf_index, x.event.position, x.leaf, x.link) for x in links],
            )
            # The next append continues after the restored positions.
            curs.execute(
                SQL("SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)"),
                (
                    f"{self.datastore.schema}.{self.events_table_name}",
                    max((x.event.position for x in links), default=1),
                ),
            )

    def select_scoped(self, plan: str, window: Window) -> list[Notification]:
        where, params = scoped_where(window, "%s")
        statement = SQL(
            "SELECT e.notification_id AS id, e.originator_id, e.originator_version, e.topic, "
            "e.state FROM {schema}.{index} i JOIN {schema}.{events} e "
            "ON e.notification_id = i.notification_id "
            "WHERE (i.plan = %s OR (i.plan IS NULL AND i.entity IN (%s, %s))) AND "
            + where
            + " ORDER BY i.notification_id"
        ).format(
            schema=Identifier(self.datastore.schema),
            index=Identifier(INDEX_TABLE),
            events=Identifier(self.events_table_name),
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (plan, *DIRECTORY_ENTITIES, *params), prepare=True)
            return [
                Notification(
                    id=row["id"],
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]

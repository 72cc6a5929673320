"""The PostgreSQL role the service runs as: it reads the ledger's tables and appends only
through ``parledger_append`` (SECURITY DEFINER, owned by the tables' owner); it keeps the live
views. It cannot UPDATE, DELETE or TRUNCATE a ledger row, nor INSERT one past the chain.

Run by the owner after ``parledger db migrate`` (``parledger db grant-service ROLE``); the
service only checks the schema's version on start (``persistence/migrations``), never runs DDL.
"""

from __future__ import annotations

from psycopg.sql import SQL, Composed, Identifier

from persistence.credentials import CREDENTIALS_TABLE, SESSIONS_TABLE
from persistence.merkle import MERKLE_TABLE
from persistence.records import APPEND_ONLY_TABLES, VERIFICATIONS_TABLE

VERSION_TABLE = "parledger_schema_version"  # read by the service to check the schema's version
VIEW_TABLES = (
    "parledger_view_docs",
    "parledger_view_shadow",
    "parledger_checkpoints",
    "parledger_view_tracking",
    "parledger_leases",  # schema version 2: shared by the service's processes
    "parledger_rate_buckets",
    CREDENTIALS_TABLE,  # the pages' passwords and sessions
    SESSIONS_TABLE,
)


def grant_service_statements(schema: str, role: str, events_table: str) -> list[Composed]:
    names = {"schema": Identifier(schema), "role": Identifier(role)}
    ledger_tables = (events_table, *APPEND_ONLY_TABLES, VERSION_TABLE)
    statements = [SQL("GRANT USAGE ON SCHEMA {schema} TO {role}").format(**names)]
    for table in ledger_tables:
        statements += [
            SQL("REVOKE ALL ON {schema}.{table} FROM {role}").format(
                table=Identifier(table), **names
            ),
            SQL("GRANT SELECT ON {schema}.{table} TO {role}").format(
                table=Identifier(table), **names
            ),
        ]
    statements += [
        SQL("REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {schema} FROM PUBLIC").format(**names),
        SQL("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {role}").format(**names),
        *(
            SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {schema}.{table} TO {role}").format(
                table=Identifier(table), **names
            )
            for table in VIEW_TABLES
        ),
        # The cache of Merkle subtree roots grows with the chain, and the record of
        # verifications with each run; their rows are never changed.
        *(
            SQL("GRANT SELECT, INSERT ON {schema}.{table} TO {role}").format(
                table=Identifier(table), **names
            )
            for table in (MERKLE_TABLE, VERIFICATIONS_TABLE)
        ),
    ]
    return statements

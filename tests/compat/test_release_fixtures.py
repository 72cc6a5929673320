"""Every ledger an earlier release wrote still verifies and answers exactly as it did then.

For each ``tests/compat/release-*`` folder: the SQLite file is copied (never opened in place),
opened with today's code, verified against the digest signed when it was written, and asked
the stored questions; then its export is restored into a fresh PostgreSQL schema and asked
again. Answers are compared as canonical JSON, so "the same" means identical.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from integrity.digests import Digest
from integrity.operations import export, read_export, restore
from ledger.application import ParLedger
from persistence.settings import parse_database_url
from replay import replay
from replay.engine import rebuild
from tests.compat.answers import (
    ANSWERS_FILE,
    DIGEST_FILE,
    KEY_FILE,
    PLAN,
    QUESTIONS_FILE,
    SQLITE_FILE,
    answer,
    jsonable,
)

HERE = Path(__file__).parent
RELEASES = sorted(p for p in HERE.glob("release-*") if p.is_dir())


def _load(folder: Path, name: str) -> Any:
    return json.loads((folder / name).read_text(encoding="utf-8"))


def _key(folder: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key((folder / KEY_FILE).read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


@pytest.fixture(params=RELEASES, ids=[p.name for p in RELEASES])
def release(request: pytest.FixtureRequest) -> Path:
    return Path(request.param)


@pytest.fixture
def copied(release: Path, tmp_path: Path) -> Iterator[ParLedger]:
    shutil.copyfile(release / SQLITE_FILE, tmp_path / SQLITE_FILE)
    app = ParLedger(parse_database_url(f"sqlite:///{tmp_path / SQLITE_FILE}"))
    try:
        yield app
    finally:
        app.close()


def _check(app: ParLedger, release: Path) -> None:
    digest = Digest.from_json(_load(release, DIGEST_FILE))
    digest.check_signature()
    expected = _load(release, ANSWERS_FILE)
    got = answer(app, _load(release, QUESTIONS_FILE), digest)
    assert got["verify"]["ok"], got["verify"]["problems"]
    for section in expected:  # one section at a time, so a failure names what changed
        assert got[section] == expected[section], section
    assert got == expected


def _views_with_checkpoints(app: ParLedger, release: Path) -> None:
    """The live fold and the checkpoints built from today's code give the same views."""
    rebuild(app)
    for question, stored in zip(
        _load(release, QUESTIONS_FILE)["replays"],
        _load(release, ANSWERS_FILE)["replays"],
        strict=True,
    ):
        from_checkpoint = jsonable(
            replay(
                app,
                PLAN,
                date.fromisoformat(question["as_of"]),
                None
                if question["known_at"] is None
                else datetime.fromisoformat(question["known_at"]),
            )
        )
        from_checkpoint.pop("replay")
        assert from_checkpoint == {k: v for k, v in stored.items() if k != "replay"}


def test_fixture_is_small(release: Path) -> None:
    assert (release / SQLITE_FILE).stat().st_size < 1_000_000


def test_sqlite_fixture_verifies_and_answers_the_same(copied: ParLedger, release: Path) -> None:
    _check(copied, release)
    _views_with_checkpoints(copied, release)


@pytest.mark.postgres
def test_postgres_restore_of_fixture_answers_the_same(
    copied: ParLedger, release: Path, postgres_schema: str
) -> None:
    out = io.StringIO()
    export(copied.ledger_recorder, _key(release), out)
    links, digest = read_export(out.getvalue().splitlines(keepends=True))
    app = ParLedger(parse_database_url(postgres_schema))
    try:
        restore(app.ledger_recorder, links, digest)
        _check(app, release)
        _views_with_checkpoints(app, release)
    finally:
        app.close()

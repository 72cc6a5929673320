"""Evidence packages: the same request gives the same bytes; a package verifies with no
database; any changed byte of an event, a proof or the checkpoint fails, naming what; personal
data is left out for a role that may not see it."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.values import VN_TZ, Actor, Role
from integrity.digests import key_path, load_or_create_key, public_hex
from integrity.sealing import Evidence, evidence_at
from ledger.application import ParLedger
from ledger.usecases.dossier import IssueApology
from reports.package import build_package, package_request
from reports.package_check import PackageMismatch, verify_package
from tests.cat_hai import Seeded, late_permit
from tests.conftest import ctx

PLAN = "cat-hai-2023"


def _evidence(app: ParLedger) -> Evidence:
    position = int(app.recorder.max_notification_id() or 0)
    return evidence_at(app.ledger_recorder, load_or_create_key(key_path()), position)


def _package(app: ParLedger, role: Role = Role.INSPECTOR, agency: str = "xa-dong-bai") -> bytes:
    actor = Actor(id="tt-1", name="Thanh tra", role=role, agency=None)
    request = package_request(PLAN, agency, date(2023, 1, 1), date(2023, 6, 30))
    return build_package(app, actor, request, _evidence(app))


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def _rezip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def package(cat_hai: tuple[ParLedger, Seeded]) -> bytes:
    return _package(cat_hai[0])


def trusted() -> str:
    return public_hex(load_or_create_key(key_path()))


def test_same_request_same_bytes_and_it_verifies(
    cat_hai: tuple[ParLedger, Seeded], package: bytes
) -> None:
    assert _package(cat_hai[0]) == package
    holds = verify_package(package, trusted())
    assert any("đều nằm dưới gốc Merkle" in h for h in holds)
    files = _members(package)
    events = [n for n in files if n.startswith("events/")]
    assert events and "README.txt" in files and "checkpoint.txt" in files
    assert any(n.startswith("reports/") for n in files)
    manifest = json.loads(files["manifest.json"])
    assert manifest["events"] == len(events) and manifest["agency"] == "xa-dong-bai"
    for name in events:  # every event is about the agency, in the period
        event = json.loads(files[name])["event"]
        assert "2023-01-01" <= (event["effective_at"] or event["recorded_at"])[:10] <= "2023-06-30"


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


@settings(deadline=None)
@given(st.data())
def test_any_changed_byte_of_an_event_proof_or_checkpoint_fails(
    cat_hai_package: bytes, data: st.DataObject
) -> None:
    files = _members(cat_hai_package)
    name = data.draw(st.sampled_from(sorted(n for n in files if n.endswith((".json", ".txt")))))
    at = data.draw(st.integers(0, len(files[name]) - 1))
    altered = _rezip({**files, name: _flip(files[name], at)})
    with pytest.raises(PackageMismatch) as error:
        verify_package(altered, trusted())
    assert name in str(error.value) or "manifest.json" in str(error.value)


@pytest.fixture
def cat_hai_package(package: bytes) -> bytes:
    return package


def test_a_changed_event_is_named_even_with_a_recomputed_hash_list(package: bytes) -> None:
    files = _members(package)
    name = next(n for n in sorted(files) if n.startswith("events/"))
    entry = json.loads(files[name])
    entry["event"]["actor_id"] = "someone-else"
    with pytest.raises(PackageMismatch, match=name.replace("/", "/") + ".*gốc Merkle"):
        verify_package(_rezip({**files, name: json.dumps(entry).encode()}), trusted())
    entry = json.loads(files[name])
    entry["path"][0] = "00" * 32
    with pytest.raises(PackageMismatch, match="đường kiểm chứng"):
        verify_package(_rezip({**files, name: json.dumps(entry).encode()}), trusted())


def test_checkpoint_manifest_and_missing_files_are_named(package: bytes) -> None:
    files = _members(package)
    note = files["checkpoint.txt"].replace(b"\n\n", b"\nx\n\n", 1)
    with pytest.raises(PackageMismatch, match=r"checkpoint\.txt"):
        verify_package(_rezip({**files, "checkpoint.txt": note}), trusted())
    name = next(n for n in sorted(files) if n.startswith("events/"))
    with pytest.raises(PackageMismatch, match=f"{name}: có trong manifest.json nhưng thiếu"):
        verify_package(_rezip({n: d for n, d in files.items() if n != name}), trusted())
    with pytest.raises(PackageMismatch, match="khoá tin cậy"):
        verify_package(package, "ab" * 32)


def test_personal_data_is_sealed_or_left_out_by_role(cat_hai: tuple[ParLedger, Seeded]) -> None:
    app, _ = cat_hai
    agency = "phong-kinh-te-ha-tang"
    # A dossier of its own: the seed's late permit already had its one lawful new appointment.
    app.handle(
        ctx(effective=datetime(2023, 5, 25, 9, tzinfo=VN_TZ)),
        late_permit().model_copy(
            update={"dossier_code": "HS-2023-002", "due_on": date(2023, 5, 31)}
        ),
    )
    app.handle(
        ctx(effective=datetime(2023, 6, 1, 9, tzinfo=VN_TZ)),
        IssueApology(
            dossier_code="HS-2023-002",
            issued_on=date(2023, 6, 1),
            reason_text="Bổ sung hồ sơ",
            new_appointment=date(2023, 6, 5),
            signer="Trưởng phòng Kinh tế và Hạ tầng",
            citizen_name="Nguyễn Văn An",
            citizen_contact="0912 345 678",
        ),
    )
    inspector = _members(_package(app, Role.INSPECTOR, agency))
    reader = _members(_package(app, Role.READER, agency))
    sealed = [
        n
        for n, d in inspector.items()
        if n.startswith("events/") and json.loads(json.loads(d)["event"]["state"]).get("citizen")
    ]
    assert len(sealed) == 1, "the apology above names its citizen"
    for name in sealed:
        entry = json.loads(inspector[name])
        assert "redacted" not in entry and '"sealed"' in entry["event"]["state"]
        shown = json.loads(reader[name])
        assert shown["redacted"] and "citizen" not in shown["event"]["state"]
    for files in (inspector, reader):
        assert not any(b"Nguy\xe1\xbb\x85n V\xc4\x83n An" in d for d in files.values())
    assert verify_package(_rezip(reader), trusted())

"""Inspection evidence packages: one ZIP an inspector hands over, checkable with no database.

It holds the events about one agency of a plan in a date range (and, with an inspection, all of
that inspection's events), each in canonical form with its RFC 9162 inclusion proof against one
checkpoint (C2SP note, with the witnesses' cosignatures when published); the checkpoint; the
JSON reports of the plan's periods the range touches, each sealed at the same position; the
hashes of the documents the events cite; a README in Vietnamese; and ``manifest.json``, which
names the selection and the SHA-256 of every other file and is signed with the ledger's key,
so that no file can be dropped, added or changed unnoticed.

Citizens' personal data is only ever sealed (the ciphertext as stored) or left out: for a
requester whose role may not see it, the fields are removed from the event and the event
carries its SHA-256 instead, so its proof still holds though its bytes cannot be recomputed.

The same ledger and request give the same bytes: fixed member times and order, no clock.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.errors import InvalidValue, NotFound
from domain.values import VN_TZ, Actor
from integrity.chain import StoredLink, event_digest
from integrity.digests import canonical_json, public_hex
from integrity.notes import log_verifier
from integrity.operations import event_json
from integrity.proofs import inclusion
from integrity.sealing import Evidence
from ledger.application import ParLedger
from ledger.personal import PERSONAL_FIELDS, sees_personal_data
from projections.views import plan_doc
from replay.engine import replay_state
from reports.data import build_report, directory_names
from reports.package_readme import readme
from reports.tabular import to_json

PACKAGE_FORMAT = "parledger-evidence/1"
AGENCY_KEYS = frozenset({"agency", "lead", "coordinating", "agencies"})
DOCUMENT_KEYS = frozenset({"file_sha256", "document_number", "notice_number"})
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Request:
    plan: str
    agency: str
    start: date
    end: date
    inspection: str | None = None


def package_request(
    plan: str, agency: str, start: date, end: date, inspection: str | None = None
) -> Request:
    """A request with its fields checked: ``InvalidValue`` naming the field."""
    if start > end:
        raise InvalidValue(f"ngày bắt đầu {start.isoformat()} sau ngày kết thúc", field="from")
    if inspection is not None:
        try:
            inspection = UUID(inspection).hex
        except ValueError:
            raise InvalidValue(
                f"mã cuộc kiểm tra không phải UUID: {inspection!r}", field="inspection"
            ) from None
    return Request(plan, agency, start, end, inspection)


def _day(moment: str | None) -> date | None:
    return datetime.fromisoformat(moment).astimezone(VN_TZ).date() if moment else None


def _mentions(value: Any, agency: str) -> bool:
    if isinstance(value, dict):
        return any(
            (k in AGENCY_KEYS and (v == agency or (isinstance(v, list) and agency in v)))
            or _mentions(v, agency)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_mentions(v, agency) for v in value)
    return False


def _state(stored: StoredLink) -> Any:
    try:
        return json.loads(stored.event.state)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _scan(app: ParLedger, size: int) -> Iterator[StoredLink]:
    after = 0
    while True:
        page = app.ledger_recorder.select_chained(gt=after, limit=5000)
        for stored in page:
            if stored.leaf_index is None or stored.leaf_index >= size:
                return
            yield stored
        if not page:
            return
        after = page[-1].event.position


def select(app: ParLedger, request: Request, size: int) -> list[StoredLink]:
    """The request's events among the first ``size``: of the plan, in the date range (by when
    they took effect), by the agency's officers or about an aggregate that names the agency;
    and every event of the inspection asked for."""
    chosen, about = [], set()
    for stored in _scan(app, size):
        e = stored.event
        if e.plan not in (request.plan, None):
            continue
        inspection = request.inspection is not None and e.originator_id.hex == request.inspection
        if e.actor_agency == request.agency or _mentions(_state(stored), request.agency):
            about.add(e.originator_id)
        day = _day(e.effective_at or e.recorded_at)
        in_range = day is not None and request.start <= day <= request.end
        if inspection or (in_range and e.originator_id in about):
            chosen.append(stored)
    return chosen


def _sealed_only(value: Any, show: bool) -> tuple[Any, list[str]]:
    """Personal fields kept only when sealed and the requester may see them; the names of
    the fields removed."""
    if isinstance(value, list):
        pairs = [_sealed_only(v, show) for v in value]
        return [v for v, _ in pairs], [n for _, ns in pairs for n in ns]
    if not isinstance(value, dict):
        return value, []
    kept, removed = {}, []
    for k, v in value.items():
        if k in PERSONAL_FIELDS and v is not None and not (show and _sealed(v)):
            removed.append(k)
            continue
        kept[k], inner = _sealed_only(v, show)
        removed += inner
    return kept, removed


def _sealed(value: Any) -> bool:
    """The vault's ciphertext form (``{"subject", "sealed"}``), as stored in events."""
    return isinstance(value, dict) and isinstance(value.get("sealed"), str)


def event_entry(stored: StoredLink, path: list[bytes], actor: Actor) -> dict[str, Any]:
    data = event_json(stored.event)
    state = _state(stored)
    entry: dict[str, Any] = {"leaf_index": stored.leaf_index, "path": [p.hex() for p in path]}
    agency = state.get("agency") if isinstance(state, dict) else None
    shown, removed = _sealed_only(state, sees_personal_data(actor, agency))
    if removed:
        data["state"] = json.dumps(shown, ensure_ascii=False, sort_keys=True)
        entry["redacted"] = sorted(set(removed))
        entry["event_sha256"] = event_digest(stored.event.canonical()).hex()
    return {**entry, "event": data}


def documents(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every document an event cites: its number and, when recorded, its file's SHA-256."""
    found = []
    for entry in entries:
        state = json.loads(entry["event"].get("state") or "null")
        for cited in _cited(state):
            found.append({"position": entry["event"]["position"], **cited})
    return found


def _cited(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        keys = {k: v for k, v in value.items() if k in DOCUMENT_KEYS and v}
        if keys:
            yield dict(sorted(keys.items()))
        for v in value.values():
            if isinstance(v, (dict, list)):
                yield from _cited(v)
    elif isinstance(value, list):
        for v in value:
            yield from _cited(v)


def _reports(app: ParLedger, request: Request, position: int) -> dict[str, bytes]:
    """The JSON report of each of the plan's periods whose data range meets the request's,
    as of the package's position, dated the request's last day (so the bytes repeat)."""
    found: dict[str, bytes] = {}
    state, _ = replay_state(app, request.plan, date(2100, 1, 1), position=position)
    doc = plan_doc(state, request.plan)
    if doc is None:
        raise NotFound(f"không có kế hoạch {request.plan}", field="plan")
    if request.agency not in directory_names(state):
        raise NotFound(f"không có cơ quan {request.agency}", field="agency")
    for period in doc.get("reporting", []):
        if period["cutoff_from"] > request.end.isoformat():
            continue
        if period["cutoff_to"] < request.start.isoformat():
            continue
        report = build_report(
            app, request.plan, period["code"], issued_on=request.end, position=position
        )
        name = f"reports/bao-cao-{request.plan}-{report.period.end.year}-{report.period.code}.json"
        found[name] = to_json(report)
    return found


def _zip(files: dict[str, bytes]) -> bytes:
    """Members in name order with fixed times and modes: the same files, the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def _text(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def build_package(app: ParLedger, actor: Actor, request: Request, evidence: Evidence) -> bytes:
    """The package's ZIP bytes, every proof against ``evidence``'s checkpoint."""
    checkpoint = evidence.checkpoint
    size, root = checkpoint.size, checkpoint.root
    store = app.ledger_recorder
    reports = _reports(app, request, evidence.position)  # checks the plan and the agency
    entries = []
    for stored in select(app, request, size):
        assert stored.leaf_index is not None and stored.leaf is not None
        path = inclusion(store, stored.leaf_index, size, stored.leaf, root)
        entries.append(event_entry(stored, path, actor))
    files = {f"events/{e['event']['position']:012d}.json": _text(e) for e in entries}
    files["checkpoint.txt"] = checkpoint.text().encode()
    files["documents.json"] = _text(documents(entries))
    files |= reports
    key = public_hex(evidence.key)
    body: dict[str, Any] = {
        "format": PACKAGE_FORMAT,
        "plan": request.plan,
        "agency": request.agency,
        "from": request.start.isoformat(),
        "to": request.end.isoformat(),
        "inspection": request.inspection,
        "requester_role": actor.role.value,
        "position": evidence.position,
        "size": size,
        "root": root.hex(),
        "log_key": log_verifier(checkpoint.origin, key).vkey(),
        "key": key,
        "events": len(entries),
        "redacted": sum(1 for e in entries if "redacted" in e),
    }
    files["README.txt"] = readme(body, sorted(files)).encode()
    body["files"] = {name: hashlib.sha256(files[name]).hexdigest() for name in sorted(files)}
    signed = {**body, "signature": evidence.key.sign(canonical_json(body)).hex()}
    files["manifest.json"] = _text(signed)
    return _zip(files)

"""The ledger's signed digest, inclusion and consistency proofs over HTTP
(``GET /ledger/digest``, ``GET /events/{position}/proof``, ``GET /ledger/consistency``) and
inspection evidence packages (``GET /plans/{plan}/evidence``): what an
auditor or another agency's script keeps and checks with ``parledger verify-proof``,
``parledger verify-consistency`` or any RFC 9162 verifier and the ledger's public key."""

import os
import threading
from datetime import date
from pathlib import Path as PathLib
from typing import Annotated, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel

from domain.values import Actor
from httpkit.problems import ProblemError, responses
from integrity.digests import Digest, key_path, load_or_create_key
from integrity.operations import IntegrityFailure, make_digest, prove
from integrity.proofs import ProofFailure, TreeHead, digest_head, prefix_root, prove_consistency
from integrity.sealing import PUBLISHED_ENV, evidence_at
from ledger.application import ParLedger
from reports.package import build_package, package_request


class CheckpointOut(BaseModel):
    leaf_index: int
    position: int
    link: str


class DigestOut(BaseModel):
    format: str
    size: int
    position: int
    head: str
    root: str
    issued_at: str
    checkpoints: list[CheckpointOut]
    key: str
    signature: str


class EventOut(BaseModel):
    position: int
    originator_id: str
    originator_version: int
    topic: str
    state: str | None = None
    state_base64: str | None = None
    entity: str | None
    event_type: str | None
    recorded_at: str | None
    effective_at: str | None
    actor_id: str | None
    plan: str | None
    actor_role: str | None
    actor_agency: str | None


class ProofOut(BaseModel):
    format: str
    leaf_index: int
    tree_size: int
    event: EventOut
    path: list[str]
    digest: DigestOut


class ConsistencyOut(BaseModel):
    format: str
    old_size: int
    new_size: int
    old_root: str
    new_root: str
    path: list[str]
    new: DigestOut


class Digests:
    """Signs a digest once per ledger size: a whole-chain verification precedes every new one,
    and reads at an unchanged size reuse it."""

    def __init__(self, ledger: ParLedger) -> None:
        self.ledger = ledger
        self.lock = threading.Lock()
        self.latest: Digest | None = None
        self._key: Ed25519PrivateKey | None = None

    def key(self) -> Ed25519PrivateKey:
        if self._key is None:
            self._key = load_or_create_key(key_path())
        return self._key

    def current(self) -> Digest:
        with self.lock:
            size, _ = self.ledger.ledger_recorder.chain_extent()
            if self.latest is None or self.latest.size != size:
                try:
                    self.latest, _ = make_digest(self.ledger.ledger_recorder, self.key())
                except IntegrityFailure as failure:
                    raise _unavailable(failure) from failure
            return self.latest

    def prefix(self, size: int) -> Digest:
        """A signed digest of the first ``size`` events: the ledger as it was at that size."""
        try:
            made, _ = make_digest(self.ledger.ledger_recorder, self.key(), size)
        except IntegrityFailure as failure:
            raise _unavailable(failure) from failure
        return made


def _unavailable(failure: IntegrityFailure) -> ProblemError:
    first = failure.problems[0] if failure.problems else None
    where = f" tại vị trí {first.position}: {first.detail}" if first else ""
    return ProblemError(503, "ledger_integrity", f"chuỗi băm của sổ cái không toàn vẹn{where}")


def router(ledger: ParLedger, principal: Any) -> APIRouter:
    api = APIRouter(tags=["integrity"], responses=responses(401, 422, 429))
    Principal = Annotated[Actor, Depends(principal)]
    digests = Digests(ledger)

    @api.get(
        "/ledger/digest",
        name="get_ledger_digest",
        summary="Bản tóm lược đã ký của sổ cái (Ed25519): số sự kiện, đầu chuỗi băm, gốc Merkle",
        responses=responses(503),
    )
    def digest(actor: Principal) -> DigestOut:
        return DigestOut.model_validate(digests.current().to_json())

    @api.get(
        "/events/{position}/proof",
        name="get_event_proof",
        summary="Bằng chứng một sự kiện nằm trong sổ cái theo bản tóm lược mới nhất (RFC 9162)",
        responses=responses(404, 503),
    )
    def proof(
        actor: Principal,
        position: Annotated[int, Path(ge=1, le=2**62, description="vị trí của sự kiện")],
        size: Annotated[
            int | None,
            Query(ge=1, le=2**62, description="chứng minh theo bản tóm lược có chừng này sự kiện"),
        ] = None,
    ) -> ProofOut:
        latest = digests.current()
        under = latest
        if size is not None and size != latest.size:
            if size > latest.size:
                raise ProblemError(
                    404, "not_found", f"sổ cái mới có {latest.size} sự kiện", field="size"
                )
            under = digests.prefix(size)
        try:
            made = prove(ledger.ledger_recorder, position, under)
        except LookupError as error:
            raise ProblemError(
                404,
                "not_found",
                f"không có sự kiện ở vị trí {position} trong bản tóm lược",
                field="position",
            ) from error
        return ProofOut.model_validate(made)

    @api.get(
        "/ledger/consistency",
        summary="Bằng chứng sổ cái ở kích thước `to` nối tiếp sổ cái ở kích thước `from` "
        "(RFC 9162 §2.1.4); kiểm bằng parledger verify-consistency",
        responses=responses(404, 503),
    )
    def consistency(
        actor: Principal,
        from_: Annotated[
            int, Query(alias="from", ge=0, le=2**62, description="số sự kiện của bản cũ")
        ],
        to: Annotated[
            int | None,
            Query(ge=0, le=2**62, description="số sự kiện của bản mới (mặc định: hiện tại)"),
        ] = None,
    ) -> ConsistencyOut:
        latest = digests.current()
        size = latest.size if to is None else to
        if size > latest.size:
            raise ProblemError(404, "not_found", f"sổ cái mới có {latest.size} sự kiện", field="to")
        if from_ > size:
            raise ProblemError(
                422, "invalid_value", f"from ({from_}) lớn hơn to ({size})", field="from"
            )
        new = latest if size == latest.size else digests.prefix(size)
        store = ledger.ledger_recorder
        old = TreeHead(from_, prefix_root(store, from_), f"{from_} sự kiện")
        try:
            made = prove_consistency(
                store, old, digest_head(new, "bản mới"), {"new": new.to_json()}
            )
        except ProofFailure as failure:
            raise ProblemError(503, "ledger_integrity", str(failure)) from failure
        return ConsistencyOut.model_validate(made)

    @api.get(
        "/plans/{plan}/evidence",
        summary="Gói bằng chứng (ZIP) cho một cơ quan trong một khoảng thời gian: sự kiện kèm "
        "bằng chứng Merkle, điểm kiểm, báo cáo có dấu xác thực; kiểm bằng parledger evidence "
        "verify",
        response_class=Response,
        responses={
            **responses(404, 503),
            200: {
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}
            },
        },
    )
    def evidence(
        actor: Principal,
        plan: Annotated[str, Path(description="mã kế hoạch")],
        agency: Annotated[str, Query(min_length=1, max_length=100, description="mã cơ quan")],
        from_: Annotated[date, Query(alias="from", description="từ ngày (2023-01-01)")],
        to: Annotated[date, Query(description="đến ngày (2023-06-30)")],
        inspection: Annotated[
            str | None, Query(description="mã cuộc kiểm tra (UUID): thêm mọi sự kiện của nó")
        ] = None,
    ) -> Response:
        request = package_request(plan, agency, from_, to, inspection)
        position = int(ledger.recorder.max_notification_id() or 0)
        published = os.environ.get(PUBLISHED_ENV)
        try:
            sealed = evidence_at(
                ledger.ledger_recorder,
                digests.key(),
                position,
                PathLib(published) if published else None,
            )
        except IntegrityFailure as failure:
            raise _unavailable(failure) from failure
        data = build_package(ledger, actor, request, sealed)
        name = f"bang-chung-{plan}-{agency}-{from_.isoformat()}-{to.isoformat()}.zip"
        return Response(
            content=data,
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Ledger-Position": str(position),
            },
        )

    return api

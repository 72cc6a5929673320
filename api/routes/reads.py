"""Reads: every projection of a plan as of any valid date and as known at any time, with
filters and cursor pages; entities with their ETag; the audit trail and each entity's history.

A cursor carries the ledger position its first page was read at, so every later page is read
at that same position: pages never shift under the reader when new events arrive.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field

from api.routes.bodies import BodyCache, bodies_of
from api.routes.queries import AsOf, Code, Cursor, Day, KnownAt, Limit, Moment
from domain import ids
from domain.errors import NotFound
from domain.values import Actor
from httpkit.problems import responses
from ledger import access
from ledger.application import ParLedger
from ledger.owners import owners
from ledger.personal import redact
from ledger.refs import parse_ref
from ledger.views import plan_overview
from projections import views
from projections.audit import MAX_PAGE, Timeline, audit_filter, audit_trail, timeline
from projections.history import fold_history
from replay.engine import end_of_day, position_known_at, replay_state
from replay.readmodel import ReadModel, Snapshot, today
from replay.rollup import plan_list, readable_plans


class Page(BaseModel):
    plan: str
    as_of: date
    known_at: datetime | None
    position: int = Field(description="Vị trí sổ cái mà câu trả lời dựa vào")
    items: list[dict[str, Any]]
    summary: dict[str, Any]
    next_cursor: str | None


def _encode_cursor(position: int, offset: int) -> str:
    return f"{position}-{offset}"


def _decode_cursor(cursor: str | None) -> tuple[int | None, int]:
    """``POSITION-OFFSET``: the page after ``OFFSET`` rows, read at ledger ``POSITION``."""
    if not cursor:
        return None, 0
    position, _, offset = cursor.partition("-")
    return int(position), int(offset)


# The reference a user types for an entity (as ``ledger.refs.ref_of``), from its document.
REFS: dict[str, Callable[[UUID, dict[str, Any]], str]] = {
    "tasks": lambda uid, doc: f"task:{doc['plan']}:{doc['number']}",
    "targets": lambda uid, doc: f"target:{doc['plan']}:{doc['number']}",
    "inspections": lambda uid, doc: f"inspection:{uid}",
    "dossiers": lambda uid, doc: f"dossier:{doc['code']}",
}


@dataclass
class At:
    """When a read looks: the valid date and the moment of knowledge (both optional)."""

    as_of: AsOf = None
    known_at: KnownAt = None


@dataclass
class PageAt:
    """Which page of a listing: the cursor of the page before, and its size."""

    cursor: Cursor = None
    limit: Limit = 50


def encoded(content: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response in one pass: ``json.dumps`` writes what is JSON already and hands only
    the rest (dates, decimals, ids) to FastAPI's encoder, so the body is the one
    ``jsonable_encoder`` would give, without walking every row in Python first."""
    body = json.dumps(
        content, ensure_ascii=False, allow_nan=False, separators=(",", ":"),
        default=jsonable_encoder,
    )  # fmt: skip
    return Response(body.encode(), media_type="application/json", headers=headers)


def router(
    ledger: ParLedger, reads: ReadModel, principal: Any, bodies: BodyCache | None = None
) -> APIRouter:
    """``bodies``: the primary ledger's body cache when ``ledger`` routes reads to replicas
    (one cache for every read target: a body depends on the position, not the copy)."""
    api = APIRouter(responses=responses(401, 404, 422, 429))
    Principal = Annotated[Actor, Depends(principal)]
    When = Annotated[At, Depends()]
    Paged = Annotated[PageAt, Depends()]

    def snapshot(
        plan: str, as_of: date | None, known_at: datetime | None, cursor: str | None
    ) -> tuple[Snapshot, int]:
        position, offset = _decode_cursor(cursor)
        if position is not None:
            day = as_of or today()
            state, info = replay_state(ledger, plan, day, position=position)
            return Snapshot(state, day, info.position, live=False), offset
        return reads.snapshot(plan, as_of, known_at), offset

    bodies = bodies or bodies_of(ledger)

    def kept(request: Request, snap: Snapshot, actor: Actor) -> Response | None:
        """A present read answered before: its body as encoded then (``bodies.py``)."""
        if not snap.live:
            return None
        tag = f'W/"{snap.position}-{snap.as_of.isoformat()}"'
        if request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers={"ETag": tag})
        found = bodies.get(bodies.key(request, snap.position, snap.as_of, actor))
        if found is None:
            return None
        return Response(found[0], media_type="application/json", headers=found[1])

    def page(
        request: Request,
        snap: Snapshot,
        plan: str,
        known_at: datetime | None,
        rows: list[dict[str, Any]],
        summary: dict[str, Any],
        offset: int,
        limit: int,
        actor: Actor,
        keep: bool = False,
    ) -> Response:
        tag = f'W/"{snap.position}-{snap.as_of.isoformat()}"'
        if snap.live and request.headers.get("if-none-match") == tag:
            return Response(status_code=304, headers={"ETag": tag})
        chunk = rows[offset : offset + limit]
        more = offset + limit < len(rows)
        # Encoded once, here: the response model (kept for the document) need not validate
        # and encode the rows a second time.
        content = {
            "plan": plan,
            "as_of": snap.as_of,
            "known_at": known_at,
            "position": snap.position,
            "items": redact(chunk, actor, ledger.vault),
            "summary": redact(summary, actor, ledger.vault),
            "next_cursor": _encode_cursor(snap.position, offset + limit) if more else None,
        }
        response = encoded(content, {"ETag": tag} if snap.live else None)
        if keep and snap.live:
            key = bodies.key(request, snap.position, snap.as_of, actor)
            bodies.put(key, bytes(response.body), {"ETag": tag})
        return response

    Rows = tuple[list[dict[str, Any]], dict[str, Any]]  # a view's rows and its summary

    def listing(
        request: Request,
        actor: Actor,
        plan: str,
        when: At,
        paged: PageAt,
        rows_of: Callable[[Snapshot], Rows],
        keep: bool = False,
    ) -> Response:
        """One page of a plan's view at ``when``; ``keep``: the view's body is kept for the
        next reader of the same present (``bodies.py``)."""
        snap, offset = snapshot(plan, when.as_of, when.known_at, paged.cursor)
        if keep and (hit := kept(request, snap, actor)) is not None:
            return hit
        rows, summary = rows_of(snap)
        return page(
            request, snap, plan, when.known_at, rows, summary, offset, paged.limit, actor, keep
        )

    @api.get(
        "/plans",
        summary="Các kế hoạch người gọi được xem",
        description=(
            "Theo thứ tự đăng ký; thường trực CCHC của một đơn vị chỉ thấy kế hoạch của đơn vị "
            "mình và các đơn vị trực thuộc, như quyền xem từng kế hoạch."
        ),
        tags=["plans"],
        name="list_plans",
    )
    def list_plans(actor: Principal) -> list[dict[str, Any]]:
        readable = {p.plan: p.unit for p in readable_plans(ledger, actor)}
        return [
            {
                "id": d["plan"],
                "title": d["title"],
                "year": d["year"],
                "version": d["version"],
                "unit": readable[d["plan"]],
            }
            for d in plan_list(ledger)
            if d["plan"] in readable
        ]

    @api.get("/plans/{plan}", summary="Cấu trúc và trạng thái hiện tại của một kế hoạch",
             tags=["plans"], name="get_plan")  # fmt: skip
    def get_plan(plan: str, actor: Principal, response: Response) -> dict[str, Any]:
        overview = plan_overview(ledger, plan)
        response.headers["ETag"] = f'"{overview["version"]}"'
        return dict(jsonable_encoder(overview))

    @api.get("/plans/{plan}/tasks", summary="Bảng nhiệm vụ: trạng thái từng nhiệm vụ",
             tags=["tasks"], name="list_plan_tasks", response_model=Page)  # fmt: skip
    def task_board(
        plan: str,
        request: Request,
        actor: Principal,
        paged: Paged,
        as_of: AsOf = None,
        known_at: KnownAt = None,
        area: Code = None,
        agency: Code = None,
        status: Annotated[str | None, Query(max_length=40, examples=["overdue"])] = None,
    ) -> Page | Response:
        def rows_of(snap: Snapshot) -> Rows:
            board = reads.computed(
                "tasks", plan, snap, lambda: views.task_board(snap.state, plan, snap.as_of)
            )
            rows = [
                r
                for r in board["tasks"]
                if (area is None or r["area"] == area)
                and (status is None or r["status"] == status)
                and (agency is None or agency in r["lead"] or agency in r["coordinating"])
            ]
            return rows, {k: board[k] for k in ("by_status", "by_area", "by_lead")}

        return listing(request, actor, plan, At(as_of, known_at), paged, rows_of, True)

    @api.get("/plans/{plan}/targets", summary="Mức đạt chỉ tiêu", tags=["targets"],
             name="list_plan_targets", response_model=Page)  # fmt: skip
    def targets(
        plan: str,
        request: Request,
        actor: Principal,
        paged: Paged,
        as_of: AsOf = None,
        known_at: KnownAt = None,
        status: Annotated[str | None, Query(max_length=40)] = None,
    ) -> Page | Response:
        def rows_of(snap: Snapshot) -> Rows:
            found = reads.computed(
                "targets", plan, snap, lambda: views.target_attainment(snap.state, plan, snap.as_of)
            )
            rows = [r for r in found["indicators"] if status is None or r.get("status") == status]
            return rows, {"apology_compliance": found["apology_compliance"]}

        return listing(request, actor, plan, At(as_of, known_at), paged, rows_of, True)

    @api.get("/plans/{plan}/scores", summary="Điểm theo lĩnh vực so với mục tiêu và tối đa",
             tags=["scores"], name="list_area_scores", response_model=Page)  # fmt: skip
    def scores(
        plan: str,
        request: Request,
        actor: Principal,
        as_of: AsOf = None,
        known_at: KnownAt = None,
    ) -> Page | Response:
        def rows_of(snap: Snapshot) -> Rows:
            found = reads.computed(
                "scores", plan, snap, lambda: views.area_scores(snap.state, plan, snap.as_of)
            )
            return found["areas"], {"total": found["total"]}

        return listing(
            request, actor, plan, At(as_of, known_at), PageAt(limit=MAX_PAGE), rows_of, True
        )

    @api.get("/plans/{plan}/inspections", summary="Lịch sử kiểm tra theo cơ quan",
             tags=["inspections"], name="list_plan_inspections", response_model=Page)  # fmt: skip
    def inspections(
        plan: str,
        request: Request,
        actor: Principal,
        paged: Paged,
        as_of: AsOf = None,
        known_at: KnownAt = None,
        agency: Code = None,
    ) -> Page | Response:
        def rows_of(snap: Snapshot) -> Rows:
            found = views.inspection_history(snap.state, plan, snap.as_of, agency)
            rows = [
                {"agency": code, **item}
                for code, items in found["agencies"].items()
                for item in items
            ]
            summary = {
                "open_findings": len(found["open_findings"]),
                "overdue_findings": found["overdue_findings"],
                "coverage": found["coverage"],
            }
            return rows, summary

        return listing(request, actor, plan, At(as_of, known_at), paged, rows_of)

    @api.get("/plans/{plan}/apologies", summary="Sổ theo dõi hồ sơ trễ hạn và xin lỗi",
             tags=["dossiers"], name="list_plan_apologies", response_model=Page)  # fmt: skip
    def apologies(
        plan: str,
        request: Request,
        actor: Principal,
        paged: Paged,
        as_of: AsOf = None,
        known_at: KnownAt = None,
        agency: Code = None,
        due_from: Annotated[Day, Query(description="Hạn trả từ ngày")] = None,
        due_to: Annotated[Day, Query(description="Hạn trả đến ngày")] = None,
    ) -> Page | Response:
        period = (due_from or date(2000, 1, 1), due_to or date(2100, 12, 31))

        def rows_of(snap: Snapshot) -> Rows:
            found = views.apology_register(snap.state, plan, snap.as_of, agency, period)
            return found["dossiers"], {"rule": found["rule"], "compliance": found["compliance"]}

        return listing(request, actor, plan, At(as_of, known_at), paged, rows_of)

    def timeline_at(uid: UUID, when: At) -> Timeline:
        """The entity's timeline up to ``when``: its valid date and what was known then."""
        upto = position_known_at(ledger, when.known_at) if when.known_at else None
        as_of = end_of_day(when.as_of) if when.as_of else None
        return timeline(ledger, uid, as_of=as_of, upto=upto)

    def entity(kind: str, uid: UUID, actor: Actor, when: At) -> Response:
        if when.as_of is None and when.known_at is None:
            # The present: the live view's document, the same fold of the same events, with
            # the version it was folded to (so the ETag always names the body's version).
            doc = reads.current(kind, uid)
            if doc is None:
                raise NotFound("không có thực thể này (vào thời điểm đã chọn)", field="entity")
            return encoded(
                redact({"entity": REFS[kind](uid, doc), "id": uid, **doc}, actor, ledger.vault),
                {"ETag": f'"{doc["version"]}"'},
            )
        line = timeline_at(uid, when)
        if not line.entries:
            raise NotFound("không có thực thể này (vào thời điểm đã chọn)", field="entity")
        return encoded(
            redact({"entity": line.entity, "id": uid, **line.state}, actor, ledger.vault)
        )

    Entity = dict[str, Any]  # the document: an object, as the entity's kind has it

    @api.get("/plans/{plan}/tasks/{number}", summary="Một nhiệm vụ (ETag là phiên bản)",
             tags=["tasks"], name="get_task", response_model=Entity)  # fmt: skip
    def get_task(plan: str, number: str, actor: Principal, when: When) -> Response:
        return entity("tasks", ids.task_id(plan, number), actor, when)

    @api.get("/plans/{plan}/targets/{target}", summary="Một chỉ tiêu với các số liệu",
             tags=["targets"], name="get_target", response_model=Entity)  # fmt: skip
    def get_target(plan: str, target: int, actor: Principal, when: When) -> Response:
        return entity("targets", ids.target_id(plan, target), actor, when)

    @api.get("/inspections/{inspection_id}", summary="Một cuộc kiểm tra", tags=["inspections"],
             name="get_inspection", response_model=Entity)  # fmt: skip
    def get_inspection(inspection_id: UUID, actor: Principal, when: When) -> Response:
        return entity("inspections", inspection_id, actor, when)

    @api.get("/dossiers/{dossier_code}", summary="Một hồ sơ trễ hạn", tags=["dossiers"],
             name="get_dossier", response_model=Entity)  # fmt: skip
    def get_dossier(dossier_code: str, actor: Principal, when: When) -> Response:
        return entity("dossiers", ids.dossier_id(dossier_code), actor, when)

    @api.get("/entities/{ref}/history", summary="Lịch sử đầy đủ của một thực thể",
             tags=["audit"], name="get_entity_history")  # fmt: skip
    def history(ref: str, actor: Principal) -> dict[str, Any]:
        uid = parse_ref(ref)
        access.require_audit_reader(actor, owners(ledger, uid))
        events = list(ledger.events.get(uid))
        if not events:
            raise NotFound(f"không có lịch sử cho {ref}", field="ref")
        entries = fold_history(events)
        return dict(
            jsonable_encoder(
                redact({"entity": ref, "id": uid, "events": entries}, actor, ledger.vault)
            )
        )

    @api.get("/entities/{ref}/timeline", summary="Diễn biến của một thực thể theo ngày hiệu lực",
             tags=["audit"], name="get_entity_timeline")  # fmt: skip
    def entity_timeline(ref: str, actor: Principal, when: When) -> dict[str, Any]:
        access.require_audit_reader(actor, owners(ledger, parse_ref(ref)))
        found = timeline_at(parse_ref(ref), when)
        if not found.entries:
            raise NotFound(f"không có sự kiện nào của {ref} trong phạm vi đã chọn", field="ref")
        return dict(jsonable_encoder(redact(found, actor, ledger.vault)))

    @api.get("/audit", summary="Nhật ký kiểm toán: ai đã thay đổi gì, khi nào, vì sao",
             tags=["audit"], name="list_audit_trail")  # fmt: skip
    def audit(
        actor: Principal,
        plan: Code = None,
        entity: Annotated[
            str | None, Query(max_length=200, examples=["task:cat-hai-2023:1.b"])
        ] = None,
        kind: Code = None,
        type: Code = None,
        by: Annotated[str | None, Query(max_length=200, description="Mã người thực hiện")] = None,
        agency: Code = None,
        role: Code = None,
        recorded_from: Annotated[Moment, Query()] = None,
        recorded_to: Annotated[Moment, Query()] = None,
        effective_from: Annotated[Moment, Query()] = None,
        effective_to: Annotated[Moment, Query()] = None,
        known_at: KnownAt = None,
        cursor: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Limit = 50,
        newest_first: bool = False,
    ) -> dict[str, Any]:
        access.require_audit_reader(actor, owners(ledger, parse_ref(entity)) if entity else None)
        if plan:
            ledger.get_plan(plan)  # a mistyped plan is a 404 naming it, not an empty trail
        where = audit_filter(
            plan=plan, entity=entity, kind=kind, event_type=type, actor=by, agency=agency,
            role=role, recorded_from=recorded_from, recorded_to=recorded_to,
            effective_from=effective_from, effective_to=effective_to,
            upto=position_known_at(ledger, known_at) if known_at else None,
        )  # fmt: skip
        found = audit_trail(ledger, where, cursor=cursor, limit=limit, newest_first=newest_first)
        return dict(
            jsonable_encoder(
                redact({"rows": found.rows, "next_cursor": found.next_cursor}, actor, ledger.vault)
            )
        )

    return api

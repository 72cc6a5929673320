"""Following the ledger: pages of the notification log, and a Server-Sent Events stream.

A client keeps a mirror with ``GET /events?after=N`` until a page comes back short, then
``GET /events/stream`` with ``Last-Event-ID`` (or ``after``): each event is sent with its
position as the SSE id, so a reconnect resumes exactly after the last one received.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from domain.values import Actor
from httpkit.problems import ProblemError, responses
from ledger.application import ParLedger
from ledger.personal import redact
from projections.state import event_name


class LedgerEvent(BaseModel):
    position: int
    entity_id: str
    version: int
    type: str
    recorded_at: str
    data: dict[str, Any]


class EventPage(BaseModel):
    events: list[LedgerEvent]
    next_after: int
    head: int


MAX_POSITION = 2**62  # the bound ``after`` has; positions are 64-bit integers in the store


def _last_event_id(value: str) -> int:
    """The ``Last-Event-ID`` header, bounded like ``after``: a position the store can hold."""
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_POSITION:
        raise ProblemError(
            422,
            "invalid_value",
            f"Last-Event-ID phải là một vị trí (số nguyên từ 0 đến {MAX_POSITION})",
            field="Last-Event-ID",
        )
    return int(value)


def events_after(ledger: ParLedger, after: int, limit: int, actor: Actor) -> list[LedgerEvent]:

    found = []
    for n in ledger.recorder.select_notifications(start=after + 1, limit=limit):
        event: Any = ledger.mapper.to_domain_event(n)
        data = {k: v for k, v in vars(event).items() if k not in ("originator_id", "timestamp")}
        data.pop("originator_version", None)
        found.append(
            LedgerEvent(
                position=n.id,
                entity_id=str(n.originator_id),
                version=n.originator_version,
                type=event_name(event),
                recorded_at=event.timestamp.isoformat(),
                data=jsonable_encoder(redact(data, actor, ledger.vault)),
            )
        )
    return found


def router(ledger: ParLedger, principal: Any) -> APIRouter:
    api = APIRouter(tags=["ledger"], responses=responses(401, 422, 429))
    Principal = Annotated[Actor, Depends(principal)]

    @api.get(
        "/events", summary="Các sự kiện theo thứ tự ghi, sau vị trí `after`", name="list_events"
    )
    def list_events(
        actor: Principal,
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> EventPage:
        found = events_after(ledger, after, limit, actor)
        head = int(ledger.recorder.max_notification_id() or 0)
        return EventPage(events=found, next_after=found[-1].position if found else after, head=head)

    @api.get(
        "/events/stream",
        name="stream_events",
        summary="Luồng sự kiện mới (Server-Sent Events)",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}},
                         "description": "id: vị trí, event: loại, data: JSON của sự kiện"}},
    )  # fmt: skip
    async def stream(
        actor: Principal,
        after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        timeout: Annotated[
            float, Query(ge=0, le=300, description="Đóng luồng sau chừng này giây")
        ] = 30.0,
        last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
    ) -> StreamingResponse:
        start = after if last_event_id is None else _last_event_id(last_event_id)

        async def frames() -> AsyncIterator[str]:
            position = start
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            yield ": ParLedger\n\n"
            while loop.time() < deadline:
                batch = await asyncio.to_thread(events_after, ledger, position, 200, actor)
                for item in batch:
                    payload = json.dumps(item.model_dump(), ensure_ascii=False)
                    yield f"id: {item.position}\nevent: {item.type}\ndata: {payload}\n\n"
                    position = item.position
                if not batch:
                    yield ": chờ\n\n"
                    await asyncio.sleep(min(0.5, max(0.0, deadline - loop.time())))

        return StreamingResponse(
            frames(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return api

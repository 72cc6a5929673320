"""Periodic reports as files: ``GET /plans/{plan}/reports/{period}?format=xlsx|docx|csv|json``
with ``known_at`` (what the ledger knew then) and the media type and file name of each format."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from domain.values import Actor
from httpkit.files import load_report, report_response
from httpkit.problems import responses
from ledger.application import ParLedger
from reports.formats import FORMATS

_CONTENT: dict[str, Any] = {
    fmt.media_type.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
    for fmt in FORMATS.values()
}


def router(ledger: ParLedger, principal: Any) -> APIRouter:
    api = APIRouter(responses=responses(401, 404, 422, 429))
    Principal = Annotated[Actor, Depends(principal)]

    @api.get(
        "/plans/{plan}/reports/{period}",
        summary="Báo cáo kỳ dưới dạng tệp: Excel, Word, CSV hoặc JSON",
        tags=["reports"],
        name="get_report",
        response_class=Response,
        responses={200: {"description": "Tệp báo cáo", "content": _CONTENT}},
    )
    def get_report(
        plan: str,
        period: str,
        actor: Principal,
        format: Annotated[
            str, Query(max_length=10, description="xlsx, docx, csv hoặc json")
        ] = "json",
        known_at: Annotated[
            str | None,
            Query(
                max_length=40,
                description="Theo hiểu biết của sổ cái lúc này (ISO 8601; một ngày = cuối ngày)",
                examples=["2023-06-07T17:00:00+07:00"],
            ),
        ] = None,
        table: Annotated[str | None, Query(max_length=20, description="csv: chỉ một bảng")] = None,
        issued_on: Annotated[
            str | None, Query(max_length=10, description="Ngày ghi trên văn bản")
        ] = None,
    ) -> Response:
        report = load_report(ledger, plan, period, known_at, issued_on)
        return report_response(report, format, table)

    return api

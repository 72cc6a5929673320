"""Periodic reports as files: ``GET /plans/{plan}/reports/{period}?format=xlsx|docx|csv|json``
with ``known_at`` (what the ledger knew then) and the media type and file name of each format."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from api.problems import responses
from domain.values import Actor
from ledger.application import ParLedger
from reports.data import Report, build_report, parse_day, parse_known_at
from reports.formats import FORMATS, file_name, render


def report_response(report: Report, format_name: str, table: str | None) -> Response:
    """The rendered report with its media type, file name and content hash."""
    data, fmt = render(report, format_name, table)
    return Response(
        content=data,
        media_type=fmt.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{file_name(report, fmt)}"',
            "X-Report-SHA256": report.sha256,
            "X-Ledger-Position": str(report.facts.position),
        },
    )


def load_report(
    ledger: ParLedger,
    plan: str,
    period: str,
    known_at: str | None,
    issued_on: str | None = None,
) -> Report:
    """Parse the query's dates (errors name the field) and build the report."""
    moment = parse_known_at(known_at) if known_at else None
    day: date | None = parse_day(issued_on, "issued_on") if issued_on else None
    return build_report(ledger, plan, period, moment, day)


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
        tags=["Báo cáo"],
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

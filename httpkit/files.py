"""Reports as HTTP file downloads, for the API and the pages alike."""

from __future__ import annotations

from datetime import date

from fastapi import Response

from ledger.application import ParLedger
from reports.data import Report, build_report, parse_day, parse_known_at
from reports.formats import file_name, render


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

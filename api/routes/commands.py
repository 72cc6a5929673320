"""Every domain command as an HTTP endpoint, declared once in a table.

The endpoint only translates: path and body to the application method's arguments, headers
to the command context (If-Match → expected version, Idempotency-Key → the key). The
application decides, exactly as for the CLI. Bodies forbid unknown fields, so a body naming
an actor, an agency of record, a version, a hash or a timestamp of recording is refused with
422 naming the field, never obeyed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi import Body as BodyParam
from pydantic import BaseModel, ConfigDict, Field

from domain.values import VN_TZ, Actor, Source
from httpkit.problems import ProblemError, responses
from ledger.application import ParLedger
from ledger.context import CommandContext, CommandResult
from ledger.errors import Conflict
from replay.reports import submit

Text = Annotated[str, Field(min_length=1, max_length=10_000)]
Short = Annotated[str, Field(min_length=1, max_length=500)]
Code = Annotated[
    str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
]
Figure = Annotated[Decimal, Field(ge=-(10**12), le=10**12, max_digits=20, decimal_places=6)]
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


class Body(BaseModel):
    """What every command may say besides its own fields: when it took effect, and why."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    effective_at: datetime | Day | None = Field(
        default=None,
        description="Ngày hoặc thời điểm có hiệu lực (mặc định: lúc ghi). Không được ở tương lai.",
    )
    reason: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None, description="Lý do (bắt buộc với các thay đổi hồ sơ như sửa số liệu)"
    )


class Empty(Body):
    pass


class Progress(Body):
    percent: Annotated[int, Field(ge=0, le=100)] | None = None
    note: Text


class Complete(Body):
    note: Text | None = None


class Deadline(Body):
    start: Day | None = None
    due: Day


class Reassign(Body):
    lead: Annotated[list[Code], Field(min_length=1, max_length=50)]
    coordinating: Annotated[list[Code], Field(max_length=100)] = []


class Evidence(Body):
    title: Short
    document_number: Short | None = None
    document_date: Day | None = None
    file_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    evidence_id: Code | None = None


class Measurement(Body):
    indicator: Code
    value: Figure | None = None
    numerator: Figure | None = None
    denominator: Figure | None = None
    period_start: Day
    period_end: Day
    source: Short
    evidence: Short | None = None
    measurement_id: Code | None = None


class Correction(Measurement):
    indicator: Code | None = None  # type: ignore[assignment]  # the replaced one's
    replaces: Code


class Retraction(Body):
    measurement_id: Code


class AreaScore(Body):
    area: Annotated[str, Field(pattern=r"^[IVX]{1,5}$")]
    kind: Literal["self_assessed", "appraised"]  # tự đánh giá, thẩm định (as the CLI)
    score: Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)]


class InspectionPlan(Body):
    agency: Code
    kind: Literal["periodic", "thematic", "unscheduled"]
    scheduled_on: Day
    scope: Text


class Conducted(Body):
    note: Text | None = None


class Finding(Body):
    finding: Text
    recommendation: Text
    remediation_deadline: Day | None = None
    finding_id: Code | None = None


class Remediation(Body):
    description: Text
    document_number: Short | None = None
    document_date: Day | None = None


class FindingRef(Body):
    pass


class Conclusion(Body):
    notice_number: Short
    notice_date: Day
    summary: Text


class LateDossier(Body):
    dossier_code: Code
    procedure: Short
    agency: Code
    received_on: Day
    due_on: Day


class Apology(Body):
    issued_on: Day
    reason_text: Text
    new_appointment: Day
    signer: Short
    apology_id: Code | None = None
    citizen_name: Short | None = None
    citizen_contact: Short | None = None


class ReportSubmission(Body):
    pass


class ChangeOut(BaseModel):
    entity: str
    id: UUID
    version: int


class CommandOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "changes": [
                        {"entity": "task", "id": "5b0c1d52-7f0e-5c1a-9a57-0f4d1c7e2b13",
                         "version": 4}
                    ],
                    "positions": [1842],
                    "replayed": False,
                    "detail": {},
                }
            ]
        }
    )  # fmt: skip

    changes: list[ChangeOut]
    positions: list[int] = Field(description="Vị trí của các sự kiện vừa ghi trong sổ cái")
    replayed: bool = Field(description="True khi đây là kết quả của lần gửi đầu (cùng khóa)")
    detail: dict[str, Any] = {}


PathType = type[str] | type[int] | type[UUID]
PATH_PARAMS: dict[str, tuple[PathType, str]] = {
    "plan": (str, "Mã kế hoạch, ví dụ cat-hai-2023"),
    "number": (str, "Số nhiệm vụ, ví dụ 1.b"),
    "target": (int, "Số chỉ tiêu"),
    "inspection_id": (UUID, "Mã cuộc kiểm tra"),
    "finding_id": (str, "Mã phát hiện"),
    "dossier_code": (str, "Mã hồ sơ"),
    "apology_id": (str, "Mã phiếu xin lỗi"),
    "period": (str, "Kỳ báo cáo, ví dụ Q2"),
}


@dataclass(frozen=True)
class Command:
    path: str
    call: Callable[..., CommandResult]  # (app, ctx, path args..., body fields) -> result
    body: type[Body]
    summary: str
    example: dict[str, Any]  # a request body, in the document: values from the Cát Hải plan
    creates: bool = False  # a new entity: no If-Match; 201
    tag: str = "Lệnh"


def _method(name: str, *path: str, keyword: tuple[str, ...] = ()) -> Callable[..., CommandResult]:
    """Call ``app.name(ctx, *path args, **body fields, **keyword path args)``."""

    def call(app: ParLedger, ctx: CommandContext, args: dict[str, Any], body: Body) -> Any:
        fields = body.model_dump(exclude={"effective_at", "reason"})
        return getattr(app, name)(
            ctx, *(args[p] for p in path), **fields, **{k: args[k] for k in keyword}
        )

    return call


def _correct(app: ParLedger, ctx: CommandContext, args: dict[str, Any], body: Body) -> Any:
    fields = body.model_dump(exclude={"effective_at", "reason", "indicator"})
    return app.correct_measurement(ctx, args["plan"], args["target"], **fields)


def _submit(app: ParLedger, ctx: CommandContext, args: dict[str, Any], body: Body) -> Any:
    built, result = submit(app, ctx, args["plan"], args["period"])
    return result, {"sha256": built["sha256"], "position": str(built["content"]["position"])}


TASK = "/plans/{plan}/tasks/{number}"
TARGET = "/plans/{plan}/targets/{target}"
INSPECTION = "/inspections/{inspection_id}"
DOSSIER = "/dossiers/{dossier_code}"

Q2 = {"period_start": "2023-04-01", "period_end": "2023-06-30"}

COMMANDS: list[Command] = [
    Command(f"{TASK}/progress", _method("report_task_progress", "plan", "number"), Progress,
            "Báo cáo tiến độ nhiệm vụ",
            {"percent": 40, "note": "Đã khảo sát mức độ hài lòng tại 6/12 xã, thị trấn",
             "effective_at": "2023-05-02"}, tag="Nhiệm vụ"),
    Command(f"{TASK}/complete", _method("complete_task", "plan", "number"), Complete,
            "Ghi nhận hoàn thành nhiệm vụ",
            {"note": "Đã ban hành Kế hoạch số 12/KH-UBND", "effective_at": "2023-01-14"},
            tag="Nhiệm vụ"),
    Command(f"{TASK}/reopen", _method("reopen_task", "plan", "number"), Empty,
            "Mở lại nhiệm vụ", {"reason": "Sản phẩm chưa đạt yêu cầu, cần bổ sung"},
            tag="Nhiệm vụ"),
    Command(f"{TASK}/cancel", _method("cancel_task", "plan", "number"), Empty,
            "Hủy nhiệm vụ", {"reason": "Thành phố điều chỉnh kế hoạch, không còn thực hiện"},
            tag="Nhiệm vụ"),
    Command(f"{TASK}/deadline", _method("change_task_deadline", "plan", "number"), Deadline,
            "Điều chỉnh thời hạn nhiệm vụ (cần lý do)",
            {"due": "2023-02-15", "reason": "Chờ hướng dẫn của Sở Nội vụ"}, tag="Nhiệm vụ"),
    Command(f"{TASK}/reassign", _method("reassign_task", "plan", "number"), Reassign,
            "Giao lại cơ quan chủ trì, phối hợp",
            {"lead": ["phong-noi-vu-ldtbxh"], "coordinating": ["ubnd-cac-xa-thi-tran"],
             "reason": "Theo Quyết định phân công của Chủ tịch UBND huyện"}, tag="Nhiệm vụ"),
    Command(f"{TASK}/evidence", _method("add_task_evidence", "plan", "number"), Evidence,
            "Thêm văn bản, sản phẩm chứng minh",
            {"title": "Kế hoạch cải cách hành chính năm 2023 của UBND huyện Cát Hải",
             "document_number": "12/KH-UBND", "document_date": "2023-01-05"}, tag="Nhiệm vụ"),
    Command(f"{TARGET}/measurements", _method("record_measurement", "plan", "target"),
            Measurement, "Ghi số liệu của một chỉ số",
            {"indicator": "7b", "numerator": 880, "denominator": 1000, **Q2,
             "source": "Khảo sát SIPAS quý II", "measurement_id": "sipas-q2"}, tag="Chỉ tiêu"),
    Command(f"{TARGET}/corrections", _correct, Correction,
            "Sửa một số liệu đã ghi (cần lý do)",
            {"replaces": "sipas-q2", "numerator": 905, "denominator": 1000, **Q2,
             "source": "Khảo sát SIPAS quý II (bản tổng hợp lại)",
             "measurement_id": "sipas-q2-sua",
             "reason": "Tổng hợp thiếu phiếu của thị trấn Cát Bà"},
            tag="Chỉ tiêu"),
    Command(f"{TARGET}/retractions", _method("retract_measurement", "plan", "target"),
            Retraction, "Rút một số liệu đã ghi (cần lý do)",
            {"measurement_id": "sipas-q2-sua", "reason": "Ghi nhầm số liệu của quý I"},
            tag="Chỉ tiêu"),
    Command("/plans/{plan}/scores", _method("record_area_score", "plan"), AreaScore,
            "Ghi điểm tự chấm hoặc điểm thẩm định của một lĩnh vực",
            {"area": "V", "kind": "self_assessed", "score": "10.5"}, tag="Điểm"),
    Command("/plans/{plan}/reports/{period}/submit", _submit, ReportSubmission,
            "Nộp báo cáo kỳ: ghi mã băm nội dung và vị trí sổ cái",
            {"effective_at": "2023-06-07"}, tag="Báo cáo"),
    Command("/plans/{plan}/inspections", _method("plan_inspection", "plan"), InspectionPlan,
            "Lập kế hoạch kiểm tra một cơ quan",
            {"agency": "xa-hien-hao", "kind": "periodic", "scheduled_on": "2023-09-12",
             "scope": "Công tác cải cách hành chính năm 2023 của UBND xã Hiền Hào"},
            creates=True, tag="Kiểm tra"),
    Command(f"{INSPECTION}/conducted", _method("record_inspection_conducted", "inspection_id"),
            Conducted, "Ghi nhận đã tiến hành kiểm tra",
            {"note": "Đoàn kiểm tra làm việc tại trụ sở UBND xã", "effective_at": "2023-09-12"},
            tag="Kiểm tra"),
    Command(f"{INSPECTION}/findings", _method("record_finding", "inspection_id"), Finding,
            "Ghi một phát hiện và kiến nghị",
            {"finding": "Niêm yết thủ tục hành chính tại bộ phận một cửa chưa đầy đủ",
             "recommendation": "Niêm yết công khai đủ 100% thủ tục thuộc thẩm quyền",
             "remediation_deadline": "2023-10-31", "finding_id": "niem-yet"}, tag="Kiểm tra"),
    Command(f"{INSPECTION}/findings/{{finding_id}}/remediation",
            _method("add_remediation_evidence", "inspection_id", keyword=("finding_id",)),
            Remediation, "Thêm bằng chứng khắc phục",
            {"description": "Đã niêm yết bổ sung 14 thủ tục tại bộ phận một cửa",
             "document_number": "45/BC-UBND", "document_date": "2023-10-20"}, tag="Kiểm tra"),
    Command(f"{INSPECTION}/findings/{{finding_id}}/close",
            _method("close_finding", "inspection_id", keyword=("finding_id",)), FindingRef,
            "Đóng một phát hiện đã khắc phục",
            {"reason": "Đã kiểm tra lại, khắc phục đầy đủ"}, tag="Kiểm tra"),
    Command(f"{INSPECTION}/conclusion", _method("conclude_inspection", "inspection_id"),
            Conclusion, "Ghi thông báo kết luận kiểm tra",
            {"notice_number": "87/TB-UBND", "notice_date": "2023-09-20",
             "summary": "UBND xã Hiền Hào cơ bản thực hiện tốt công tác cải cách hành chính"},
            tag="Kiểm tra"),
    Command("/plans/{plan}/dossiers", _method("report_late_dossier", "plan"), LateDossier,
            "Ghi nhận hồ sơ trễ hạn",
            {"dossier_code": "000.00.31.H23-230512-0007", "procedure": "Chứng thực hợp đồng",
             "agency": "thi-tran-cat-ba", "received_on": "2023-05-12", "due_on": "2023-05-15"},
            creates=True, tag="Hồ sơ trễ hạn"),
    Command(f"{DOSSIER}/apologies", _method("issue_apology", "dossier_code"), Apology,
            "Ghi phiếu xin lỗi và hẹn lại",
            {"issued_on": "2023-05-15", "reason_text": "Hồ sơ cần xác minh thêm thông tin",
             "new_appointment": "2023-05-19", "signer": "Chủ tịch UBND thị trấn Cát Bà",
             "apology_id": "xl-01", "citizen_name": "Nguyễn Văn An",
             "citizen_contact": "0225 3888 123"}, tag="Hồ sơ trễ hạn"),
    Command(f"{DOSSIER}/result", _method("return_dossier_result", "dossier_code"), Empty,
            "Ghi nhận đã trả kết quả", {"effective_at": "2023-05-18"}, tag="Hồ sơ trễ hạn"),
    Command(f"{DOSSIER}/apologies/{{apology_id}}/withdraw",
            _method("withdraw_apology", "dossier_code", keyword=("apology_id",)), Empty,
            "Rút phiếu xin lỗi ghi nhầm (cần lý do)",
            {"reason": "Ghi nhầm phiếu của hồ sơ khác"}, tag="Hồ sơ trễ hạn"),
    Command(f"{DOSSIER}/citizen-data/erase", _method("erase_citizen_data", "dossier_code"),
            Empty, "Xoá dữ liệu cá nhân của công dân trong hồ sơ (huỷ khoá; cần lý do)",
            {"reason": "Công dân yêu cầu xoá theo Nghị định 13/2023/NĐ-CP"}, tag="Hồ sơ trễ hạn"),
]  # fmt: skip


def parse_if_match(value: str | None) -> int | None:
    """``"7"``, ``W/"7"`` or ``*``; None for ``*`` (any version)."""
    if value is None:
        raise ProblemError(
            428,
            "precondition_required",
            'thay đổi cần tiêu đề If-Match với ETag đã đọc, ví dụ If-Match: "3"',
            "If-Match",
        )
    text = value.strip()
    if text == "*":
        return None
    text = text.removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 12:
        raise ProblemError(
            422, "invalid_value", f'If-Match không hợp lệ: {value!r}; dạng đúng: "3"', "If-Match"
        )
    return int(text)


def _effective(value: datetime | date | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=VN_TZ)
        return value
    return datetime.combine(value, time(12), VN_TZ)


def _endpoint(ledger: ParLedger, command: Command, principal: Callable[..., Actor]) -> Any:
    names = [n for n in PATH_PARAMS if "{" + n + "}" in command.path]

    def endpoint(request: Request, response: Response, **kwargs: Any) -> CommandOut:
        body: Body = kwargs.pop("body")
        actor: Actor = kwargs.pop("actor")
        if_match: str | None = kwargs.pop("if_match")
        key: str | None = kwargs.pop("idempotency_key")
        expected = None if command.creates else parse_if_match(if_match)
        ctx = CommandContext(
            actor=actor,
            source=Source.API,
            effective_at=_effective(body.effective_at),
            reason=body.reason,
            request_id=request.headers.get("x-request-id"),
            idempotency_key=key,
            expected_version=expected,
        )
        try:
            outcome = command.call(ledger, ctx, kwargs, body)
        except Conflict as error:
            if expected is None:
                raise
            raise ProblemError(412, "stale_version", error.message, "If-Match") from None
        result, detail = outcome if isinstance(outcome, tuple) else (outcome, {})
        if result.changes:
            response.headers["ETag"] = f'"{result.changes[0].version}"'
        if command.creates and not result.replayed:
            response.status_code = 201
        return CommandOut(
            changes=[
                ChangeOut(entity=c.entity, id=c.id, version=c.version) for c in result.changes
            ],
            positions=list(result.positions),
            replayed=result.replayed,
            detail={**result.detail, **detail},
        )

    parameters = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("response", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Response),
        *(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[
                    PATH_PARAMS[name][0], Path(description=PATH_PARAMS[name][1], max_length=200)
                ]
                if PATH_PARAMS[name][0] is str
                else Annotated[PATH_PARAMS[name][0], Path(description=PATH_PARAMS[name][1])],
            )
            for name in names
        ),
        inspect.Parameter(
            "body",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[
                command.body,
                BodyParam(
                    openapi_examples={
                        "cat-hai": {"summary": "Ví dụ (Cát Hải 2023)", "value": command.example}
                    }
                ),
            ],
        ),
        inspect.Parameter(
            "actor", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[Actor, Depends(principal)]
        ),
        inspect.Parameter(
            "if_match",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[
                str | None,
                Header(
                    alias="If-Match",
                    pattern=r'^(\*|(W/)?"[0-9]{1,12}")$',
                    description="ETag của thực thể đã đọc; bắt buộc khi thay đổi thực thể có sẵn",
                ),
            ],
            default=None,
        ),
        inspect.Parameter(
            "idempotency_key",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[
                str | None,
                Header(
                    alias="Idempotency-Key",
                    max_length=200,
                    description="Gửi lại cùng khóa và cùng nội dung: nhận lại kết quả đầu, "
                    "không ghi thêm",
                ),
            ],
            default=None,
        ),
    ]
    endpoint.__signature__ = inspect.Signature(parameters, return_annotation=CommandOut)  # type: ignore[attr-defined]
    endpoint.__name__ = command.path.strip("/").replace("/", "_").replace("{", "").replace("}", "")
    return endpoint


def router(ledger: ParLedger, principal: Callable[..., Actor]) -> APIRouter:
    api = APIRouter()
    for command in COMMANDS:
        statuses = [401, 403, 404, 409, 413, 422, 429]
        if not command.creates:
            statuses += [412, 428]
        api.add_api_route(
            command.path,
            _endpoint(ledger, command, principal),
            methods=["POST"],
            summary=command.summary,
            tags=[command.tag],
            response_model=CommandOut,
            status_code=201 if command.creates else 200,
            responses=responses(*sorted(statuses)),
        )
    return api

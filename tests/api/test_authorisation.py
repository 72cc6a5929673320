"""Every write endpoint × every role × (own agency, another agency, a nonexistent id):
denials are 403 (404 where the id does not exist) and append nothing; allowed roles are never
refused for their role; server-controlled fields in any body are refused and never stored."""

from __future__ import annotations

from typing import Any

import pytest

from ledger import scope
from ledger.errors import Forbidden
from ledger.importer import import_plan
from ledger.usecases.agency import AgencyKind, RegisterAgency
from ledger.usecases.task import ReassignTask
from ledger.usecases.unit import EstablishUnit, UnitLevel
from planfile.units import qualified
from tests.api.conftest import PLAN, USERS, Api
from tests.conftest import ctx
from tests.factories import small_plan

Q1 = {"period_start": "2023-01-01", "period_end": "2023-03-31", "source": "Báo cáo quý"}
ADMINS = {"admin", "secretariat"}
TASK_WRITERS = ADMINS | {"officer"}  # officer's agency leads task 1
FIGURES = ADMINS
INSPECTORS = {"admin", "inspector"}
DOSSIER_WRITERS = ADMINS | {"commune"}  # the dossier belongs to xa-dong-bai

# (path, body, roles allowed, path with a nonexistent id or None)
ENDPOINTS: list[tuple[str, dict[str, Any], set[str], str | None]] = [
    ("/plans/{plan}/tasks/1/progress", {"percent": 10, "note": "Tiến độ"}, TASK_WRITERS,
     "/plans/{plan}/tasks/99/progress"),
    ("/plans/{plan}/tasks/1/evidence", {"title": "Quyết định ban hành"}, TASK_WRITERS,
     "/plans/{plan}/tasks/99/evidence"),
    ("/plans/{plan}/tasks/1/complete", {"note": "Xong"}, TASK_WRITERS,
     "/plans/{plan}/tasks/99/complete"),
    ("/plans/{plan}/tasks/1/reopen", {"reason": "Chưa đạt"}, ADMINS | {"officer"},
     "/plans/{plan}/tasks/99/reopen"),
    ("/plans/{plan}/tasks/2/deadline", {"due": "2023-12-30", "reason": "Lùi hạn"}, ADMINS,
     "/plans/{plan}/tasks/99/deadline"),
    ("/plans/{plan}/tasks/2/reassign", {"lead": ["phong-tu-phap"], "reason": "Giao lại"},
     ADMINS, "/plans/{plan}/tasks/99/reassign"),
    ("/plans/{plan}/targets/7/measurements", {"indicator": "7a", "value": 90, **Q1}, FIGURES,
     "/plans/{plan}/targets/99/measurements"),
    ("/plans/{plan}/scores", {"area": "I", "kind": "self_assessed", "score": 12,
     "reason": "Tự chấm lại"}, FIGURES,
     "/plans/khong-co/scores"),
    ("/plans/{plan}/inspections", {"agency": "xa-dong-bai", "kind": "periodic",
     "scheduled_on": "2023-03-01", "scope": "CCHC"}, INSPECTORS, "/plans/khong-co/inspections"),
    ("/plans/{plan}/dossiers", {"dossier_code": "HS-NEW-{role}", "procedure": "Cấp phép",
     "agency": "xa-dong-bai", "received_on": "2023-02-01", "due_on": "2023-02-10"},
     DOSSIER_WRITERS, "/plans/khong-co/dossiers"),
    ("/dossiers/HS-1/apologies", {"issued_on": "2023-02-09", "reason_text": "Quá tải",
     "new_appointment": "2023-02-20", "signer": "Chủ tịch UBND xã"}, DOSSIER_WRITERS,
     "/dossiers/HS-404/apologies"),
    ("/dossiers/HS-1/result", {}, DOSSIER_WRITERS, "/dossiers/HS-404/result"),
    ("/inspections/{inspection}/conducted", {"note": "Đã kiểm tra"}, INSPECTORS,
     "/inspections/00000000-0000-4000-8000-000000000000/conducted"),
    ("/inspections/{inspection}/findings", {"finding": "Niêm yết thiếu",
     "recommendation": "Bổ sung", "finding_id": "f-{role}"}, INSPECTORS,
     "/inspections/00000000-0000-4000-8000-000000000000/findings"),
]  # fmt: skip


def _seed(api: Api) -> str:
    admin = api.headers("admin")
    created = api.client.post(
        f"/plans/{PLAN}/inspections",
        headers=admin,
        json={"agency": "phong-tu-phap", "kind": "periodic", "scheduled_on": "2023-03-01",
              "scope": "CCHC"},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    dossier = api.client.post(
        f"/plans/{PLAN}/dossiers",
        headers=admin,
        json={"dossier_code": "HS-1", "procedure": "Cấp phép", "agency": "xa-dong-bai",
              "received_on": "2023-02-01", "due_on": "2023-02-10"},
    )  # fmt: skip
    assert dossier.status_code == 201, dossier.text
    return str(created.json()["changes"][0]["id"])


def _fill(text: str, inspection: str, role: str) -> str:
    return text.replace("{plan}", PLAN).replace("{inspection}", inspection).replace("{role}", role)


def _body(body: dict[str, Any], role: str) -> dict[str, Any]:
    return {k: _fill(v, "", role) if isinstance(v, str) else v for k, v in body.items()}


def test_authorisation_matrix(api: Api) -> None:
    inspection = _seed(api)
    for path, body, allowed, missing in ENDPOINTS:
        for role in USERS:
            headers = api.headers(role, **{"If-Match": "*"})
            before = api.head()
            response = api.client.post(
                _fill(path, inspection, role), headers=headers, json=_body(body, role)
            )
            if role in allowed:
                # Allowed: done, or refused by a rule of the entity's state (completing twice,
                # a finding id taken, …), never for the role and never as an invalid body.
                assert response.status_code in (200, 201, 409), (path, role, response.text)
            else:
                assert response.status_code == 403, (path, role, response.text)
                assert response.headers["content-type"] == "application/problem+json"
                assert api.head() == before, (path, role)
            if missing is not None:
                before = api.head()
                response = api.client.post(
                    _fill(missing, inspection, role), headers=headers, json=_body(body, role)
                )
                assert response.status_code in (403, 404), (missing, role, response.text)
                if role in allowed:
                    assert response.status_code == 404, (missing, role, response.text)
                assert api.head() == before, (missing, role)


SERVER_FIELDS = {
    "actor": "admin",
    "actor_id": "user:admin",
    "agency_of_record": "phong-tu-phap",
    "version": 99,
    "originator_version": 99,
    "hash": "0" * 64,
    "content_sha256": "0" * 64,
    "timestamp": "2023-01-01T00:00:00+07:00",
    "recorded_at": "2023-01-01T00:00:00+07:00",
    "position": 1,
}


@pytest.mark.parametrize("field", sorted(SERVER_FIELDS))
def test_server_controlled_fields_are_refused_everywhere(api: Api, field: str) -> None:
    inspection = _seed(api)
    for path, body, _, _ in ENDPOINTS:
        before = api.head()
        response = api.client.post(
            _fill(path, inspection, "admin"),
            headers=api.headers("admin", **{"If-Match": "*"}),
            json={**_body(body, "admin"), field: SERVER_FIELDS[field]},
        )
        assert response.status_code == 422, (path, field, response.text)
        problem = response.json()
        assert problem["field"] == field and "không được gửi trường này" in problem["detail"]
        assert api.head() == before
    events = api.client.get("/events?limit=1000", headers=api.headers("auditor")).json()["events"]
    # Only the seeding principals ever appear as actors: nothing injected was stored.
    assert {e["data"]["meta"]["actor"]["id"] for e in events} == {"os:tester", "user:admin"}


# --- authority follows the plan, across units (issue 13) ---------------------------------------

COMMUNE_PLAN = "xa-dong-2023"
# Who acts, beside the users of tests/api/conftest.py: (role, agency).
UNIT_USERS = {
    "lead": ("agency_officer", "phong-noi-vu"),  # leads task 2 of PLAN
    "coordinating": ("agency_officer", "phong-tu-phap"),  # named as coordinating task 2
    "catch_all": ("agency_officer", "xa-hien-hao"),  # only in "UBND các xã, thị trấn"
    "other_unit": ("agency_officer", "xa-dong.phong-noi-vu"),  # leads the commune plan's tasks
    "province": ("secretariat", "hai-phong.van-phong-ubnd"),  # the commune's province
    "other_secretariat": ("secretariat", "xa-dong.phong-tu-phap"),
}
PROGRESS = {"percent": 40, "note": "Đã kiểm tra 4 xã"}
CONTRIBUTION = {"note": "Đã cử cán bộ tham gia đoàn kiểm tra"}
DEADLINE = {"due": "2023-12-30", "reason": "Lùi hạn"}
# (path on PLAN's task 2, body, who may): everyone else is refused, saying why.
UNIT_MATRIX: list[tuple[str, dict[str, Any], set[str], str]] = [
    ("progress", PROGRESS, {"lead"}, "chủ trì"),
    ("evidence", {"title": "Thông báo kết luận"}, {"lead"}, "chủ trì"),
    ("contributions", CONTRIBUTION, {"coordinating"}, "phối hợp"),
    ("deadline", DEADLINE, set(), ""),
    ("complete", {"note": "Xong"}, {"lead"}, "chủ trì"),
]


def _second_unit(api: Api) -> dict[str, str]:
    """A province, a commune of it with a plan of its own, and the users of UNIT_USERS."""
    ledger = api.ledger
    ledger.handle(ctx(), EstablishUnit(unit_code="hai-phong", name="Thành phố Hải Phòng",
                                       level=UnitLevel("province")))  # fmt: skip
    ledger.handle(ctx(), EstablishUnit(unit_code="xa-dong", name="Xã Đông",
                                       level=UnitLevel("commune"), parent="hai-phong"))  # fmt: skip
    ledger.handle(ctx(), RegisterAgency(agency_code="hai-phong.van-phong-ubnd", unit="hai-phong",
                                        name="Văn phòng UBND thành phố",
                                        kind=AgencyKind("office")))  # fmt: skip
    commune = small_plan(COMMUNE_PLAN).model_copy(
        update={"unit": "Xã Đông", "unit_code": "xa-dong", "unit_level": "commune"}
    )
    import_plan(ledger, qualified(commune), ctx())
    ledger.handle(
        ctx(reason="Phân công lại"),
        ReassignTask(plan=PLAN, number="2", lead=["phong-noi-vu"],
                     coordinating=["phong-tu-phap", "ubnd-cac-xa-thi-tran"]),
    )  # fmt: skip
    tokens = {}
    for name, (role, agency) in UNIT_USERS.items():
        _, tokens[name] = ledger.add_user(
            ctx(), name=f"u-{name}", display_name=name, role=role, agency=agency
        )
    return tokens


def test_authority_follows_the_plan_across_units(api: Api) -> None:
    tokens = _second_unit(api)
    for action, body, allowed, why in UNIT_MATRIX:
        for who, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}", "If-Match": "*"}
            before = api.head()
            response = api.client.post(
                f"/plans/{PLAN}/tasks/2/{action}", headers=headers, json=body
            )
            if who in allowed:
                assert response.status_code == 200, (action, who, response.text)
                continue
            assert response.status_code == 403, (action, who, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert api.head() == before, (action, who)
            detail = response.json()["detail"]
            assert why in detail or "thường trực" in detail, (action, who, detail)
    # The national secretariat manages the plan; a unit's secretariat its own unit's only.
    admin = api.headers("secretariat", **{"If-Match": "*"})
    assert api.client.post(f"/plans/{PLAN}/tasks/2/deadline", headers=admin,
                           json=DEADLINE).status_code == 200  # fmt: skip
    own = {"Authorization": f"Bearer {tokens['other_secretariat']}", "If-Match": "*"}
    done = api.client.post(f"/plans/{COMMUNE_PLAN}/tasks/2/deadline", headers=own, json=DEADLINE)
    assert done.status_code == 200, done.text
    # The commune plan's lead reports on it; the province reads it but does not manage it.
    lead = {"Authorization": f"Bearer {tokens['other_unit']}", "If-Match": "*"}
    done = api.client.post(f"/plans/{COMMUNE_PLAN}/tasks/1/progress", headers=lead, json=PROGRESS)
    assert done.status_code == 200, done.text
    province = {"Authorization": f"Bearer {tokens['province']}", "If-Match": "*"}
    before = api.head()
    refused = api.client.post(
        f"/plans/{COMMUNE_PLAN}/tasks/1/progress", headers=province, json=PROGRESS
    )
    assert refused.status_code == 403 and "thuộc đơn vị xa-dong" in refused.json()["detail"]
    assert api.head() == before
    board = api.client.get(f"/plans/{COMMUNE_PLAN}/tasks", headers=province)
    assert board.status_code == 200, board.text


def test_a_province_reads_its_communes_plans_only(api: Api) -> None:
    tokens = _second_unit(api)
    ledger = api.ledger
    province = ledger.authenticate(tokens["province"])
    commune = ledger.authenticate(tokens["other_secretariat"])
    scope.require_plan_reader(ledger, province, COMMUNE_PLAN)  # its commune's
    scope.require_plan_reader(ledger, commune, COMMUNE_PLAN)  # its own
    for actor, plan in ((commune, PLAN), (province, PLAN)):
        with pytest.raises(Forbidden) as refused:
            scope.require_plan_reader(ledger, actor, plan)
        assert "chỉ xem kế hoạch của đơn vị mình" in str(refused.value)
    national = ledger.authenticate(api.tokens["secretariat"])
    for plan in (PLAN, COMMUNE_PLAN):
        scope.require_plan_reader(ledger, national, plan)


# --- figures, scores, reports, inspections and dossiers stay within the actor's unit ----------

# Who acts on the plan-managing commands, beside UNIT_USERS and the national users of
# tests/api/conftest.py (no agency: they act on every unit's plans).
INSPECTOR_OF_COMMUNE = ("inspector", "xa-dong.phong-tu-phap")
DOSSIER = {"procedure": "Cấp phép", "received_on": "2023-02-01", "due_on": "2023-02-10"}
APOLOGY = {"issued_on": "2023-02-09", "reason_text": "Quá tải",
           "new_appointment": "2023-02-20", "signer": "Chủ tịch UBND xã"}  # fmt: skip
INSPECT = {"kind": "periodic", "scheduled_on": "2023-03-01", "scope": "CCHC"}
MEASURE = {"indicator": "7a", "value": 90, **Q1}
SCORE = {"area": "I", "kind": "self_assessed", "score": 12}
# (who, path, body, status): 403 says which unit the plan belongs to and appends nothing;
# 422 names the agency that is not the plan's unit's. {commune} and {legacy} are each plan's
# seeded inspection, HS-C and HS-1 each plan's seeded dossier.
UNIT_PLAN_MATRIX: list[tuple[str, str, dict[str, Any], int]] = [
    # Figures and scores: the plan's own unit's secretariat, or a national one.
    ("other_secretariat", f"/plans/{COMMUNE_PLAN}/targets/7/measurements", MEASURE, 200),
    ("secretariat", f"/plans/{COMMUNE_PLAN}/targets/7/measurements", MEASURE, 200),
    ("province", f"/plans/{COMMUNE_PLAN}/targets/7/measurements", MEASURE, 403),
    ("other_secretariat", f"/plans/{PLAN}/targets/7/measurements", MEASURE, 403),
    ("other_secretariat", f"/plans/{COMMUNE_PLAN}/scores", SCORE, 200),
    ("province", f"/plans/{COMMUNE_PLAN}/scores", SCORE, 403),
    ("other_secretariat", f"/plans/{PLAN}/scores", SCORE, 403),
    ("province", f"/plans/{COMMUNE_PLAN}/reports/Q2/submit", {}, 403),
    ("other_secretariat", f"/plans/{PLAN}/reports/Q2/submit", {}, 403),
    ("other_secretariat", f"/plans/{COMMUNE_PLAN}/reports/Q2/submit", {}, 200),
    # Inspections: an inspector of a unit inspects its own unit's plans, of its agencies.
    ("unit_inspector", f"/plans/{COMMUNE_PLAN}/inspections",
     {"agency": "xa-dong.phong-noi-vu", **INSPECT}, 201),
    ("unit_inspector", f"/plans/{PLAN}/inspections", {"agency": "xa-dong-bai", **INSPECT}, 403),
    ("inspector", f"/plans/{PLAN}/inspections",
     {"agency": "xa-dong.phong-noi-vu", **INSPECT}, 422),
    ("inspector", f"/plans/{COMMUNE_PLAN}/inspections", {"agency": "xa-dong-bai", **INSPECT}, 422),
    ("unit_inspector", "/inspections/{legacy}/conducted", {"note": "Đã kiểm tra"}, 403),
    ("unit_inspector", "/inspections/{commune}/conducted", {"note": "Đã kiểm tra"}, 200),
    # Late dossiers: an officer's own agency, of the plan's unit; its unit's secretariat.
    ("other_unit", f"/plans/{COMMUNE_PLAN}/dossiers",
     {"dossier_code": "HS-C2", "agency": "xa-dong.phong-noi-vu", **DOSSIER}, 201),
    ("other_unit", f"/plans/{PLAN}/dossiers",
     {"dossier_code": "HS-X", "agency": "xa-dong.phong-noi-vu", **DOSSIER}, 403),
    ("admin", f"/plans/{PLAN}/dossiers",
     {"dossier_code": "HS-X", "agency": "xa-dong.phong-noi-vu", **DOSSIER}, 422),
    ("other_secretariat", f"/plans/{PLAN}/dossiers",
     {"dossier_code": "HS-X", "agency": "xa-dong-bai", **DOSSIER}, 403),
    ("other_secretariat", "/dossiers/HS-1/apologies", APOLOGY, 403),
    ("province", "/dossiers/HS-C/apologies", APOLOGY, 403),
    ("other_secretariat", "/dossiers/HS-C/apologies", APOLOGY, 200),
    ("secretariat", "/dossiers/HS-1/result", {}, 200),
]  # fmt: skip


def _unit_plan_seed(api: Api) -> dict[str, str]:
    """Each plan's inspection and dossier, made by an administrator."""
    admin = api.headers("admin")
    found = {"legacy": _seed(api)}
    made = api.client.post(f"/plans/{COMMUNE_PLAN}/inspections", headers=admin,
                           json={"agency": "xa-dong.phong-tu-phap", **INSPECT})  # fmt: skip
    assert made.status_code == 201, made.text
    found["commune"] = str(made.json()["changes"][0]["id"])
    made = api.client.post(f"/plans/{COMMUNE_PLAN}/dossiers", headers=admin,
                           json={"dossier_code": "HS-C", "agency": "xa-dong.phong-tu-phap",
                                 **DOSSIER})  # fmt: skip
    assert made.status_code == 201, made.text
    return found


def test_plan_commands_stay_within_the_actors_unit(api: Api) -> None:
    tokens = _second_unit(api)
    role, agency = INSPECTOR_OF_COMMUNE
    _, tokens["unit_inspector"] = api.ledger.add_user(
        ctx(), name="u-unit-inspector", display_name="Kiểm tra xã", role=role, agency=agency
    )
    inspections = _unit_plan_seed(api)
    for who, path, body, status in UNIT_PLAN_MATRIX:
        token = tokens[who] if who in tokens else api.tokens[who]
        headers = {"Authorization": f"Bearer {token}", "If-Match": "*"}
        url = path.format(**inspections)
        before = api.head()
        response = api.client.post(url, headers=headers, json=body)
        assert response.status_code == status, (who, url, response.text)
        if status < 400:
            continue
        assert response.headers["content-type"] == "application/problem+json"
        assert api.head() == before, (who, url)
        problem = response.json()
        if status == 403:
            # Says whose unit the plan is (Vietnamese), naming the plan as the field.
            assert problem["field"] == "plan" and "thuộc đơn vị" in problem["detail"], problem
            assert "chỉ được" in problem["detail"] and "của đơn vị mình" in problem["detail"]
        else:
            assert problem["field"] == "agency" and "không thuộc đơn vị" in problem["detail"]

"""A served ledger with the small plan loaded and a user of every role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from ledger.application import ParLedger
from ledger.importer import import_plan
from service.app import create_app
from tests.conftest import ctx
from tests.factories import small_plan

PLAN = "thu-nghiem-2023"
USERS = {
    "admin": ("admin", None),
    "secretariat": ("secretariat", None),
    "officer": ("agency_officer", "phong-noi-vu"),  # leads tasks 1 and 2
    "other_officer": ("agency_officer", "phong-tu-phap"),
    "commune": ("agency_officer", "xa-dong-bai"),
    "inspector": ("inspector", None),
    "auditor": ("auditor", None),
    "reader": ("reader", None),
}


@dataclass
class Api:
    ledger: ParLedger
    client: TestClient
    tokens: dict[str, str]

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}

    def head(self) -> int:
        return int(self.ledger.recorder.max_notification_id() or 0)


def make_api(ledger: ParLedger, **options: float) -> Api:
    import_plan(ledger, small_plan(), ctx())
    tokens = {}
    for name, (role, agency) in USERS.items():
        _, tokens[name] = ledger.add_user(
            ctx(), name=name, display_name=name.title(), role=role, agency=agency
        )
    return Api(ledger, TestClient(create_app(ledger, **options)), tokens)


@pytest.fixture
def api(app: ParLedger) -> Api:
    return make_api(app)


@pytest.fixture
def api_factory(app: ParLedger) -> Callable[..., Api]:
    return lambda **options: make_api(app, **options)

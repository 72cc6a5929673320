"""User: a principal who can act on the ledger, with a role and, for officers, an agency."""

from __future__ import annotations

import re
from uuid import UUID

from eventsourcing.domain import event

from domain import ids
from domain.base import LedgerAggregate
from domain.errors import InvalidValue, RuleViolation
from domain.values import EventMeta, Role, code, text

# A user name is a login: it appears in paths, token files and audit rows, so it is plain ASCII
# (letters, digits, ".", "_", "-", "@"), starting with a letter or digit: "../../x" is refused.
USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


def user_name(value: object) -> str:
    cleaned = code(value, "name")
    if not USER_NAME.fullmatch(cleaned) or ".." in cleaned:
        raise InvalidValue(
            "tên người dùng chỉ gồm chữ cái không dấu, chữ số và . _ - @ (tối đa 64 ký tự), "
            "bắt đầu bằng chữ cái hoặc chữ số",
            field="name",
        )
    return cleaned


class User(LedgerAggregate):
    ENTITY = "user"

    @staticmethod
    def create_id(name: str) -> UUID:
        return ids.user_id(name)

    @classmethod
    def register(
        cls,
        *,
        name: str,
        display_name: str,
        role: str,
        agency: str | None,
        token_sha256: str,
        meta: EventMeta,
    ) -> User:
        try:
            role_ = Role(role)
        except ValueError:
            raise InvalidValue(
                f"vai trò phải là một trong {[r.value for r in Role]}", field="role"
            ) from None
        if role_ is Role.AGENCY_OFFICER and not agency:
            raise InvalidValue("cán bộ cơ quan cần có mã cơ quan", field="agency")
        return cls(
            name=user_name(name),
            display_name=text(display_name, "display_name", limit=200),
            role=role_.value,
            agency=None if agency is None else code(agency, "agency"),
            token_sha256=token_sha256,
            meta=meta,
        )

    @event("Registered")
    def __init__(
        self,
        name: str,
        display_name: str,
        role: str,
        agency: str | None,
        token_sha256: str,
        meta: EventMeta,
    ) -> None:
        self.name = name
        self.display_name = display_name
        self.role = role
        self.agency = agency
        self.token_sha256 = token_sha256
        self.revoked = False

    def revoke(self, *, meta: EventMeta) -> None:
        if self.revoked:
            raise RuleViolation(f"người dùng {self.name} đã bị thu hồi quyền", field="name")
        self._revoked(meta=meta)

    @event("Revoked")
    def _revoked(self, meta: EventMeta) -> None:
        self.revoked = True

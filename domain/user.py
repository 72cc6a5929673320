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


def role_of(role: str, agency: str | None) -> Role:
    """A role by its value; an agency officer must name an agency."""
    try:
        role_ = Role(role)
    except ValueError:
        raise InvalidValue(
            f"vai trò phải là một trong {[r.value for r in Role]}", field="role"
        ) from None
    if role_ is Role.AGENCY_OFFICER and not agency:
        raise InvalidValue("cán bộ cơ quan cần có mã cơ quan", field="agency")
    return role_


class User(LedgerAggregate):
    ENTITY = "user"
    WHAT = "người dùng"

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
        role_ = role_of(role, agency)
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

    # -- sign-in (issue 15): what happened, never the secret ---------------------------------

    PASSWORD_KINDS = ("initial", "changed", "reset")

    def set_password(self, *, kind: str, meta: EventMeta) -> None:
        """A password was set: ``initial`` (with the account), ``changed`` (by the user, who
        proved the old one) or ``reset`` (by whoever administers users). The hash itself
        lives outside the ledger (``persistence/credentials.py``)."""
        if kind not in self.PASSWORD_KINDS:
            raise InvalidValue(f"kind phải là một trong {list(self.PASSWORD_KINDS)}", field="kind")
        if self.revoked:
            raise RuleViolation(f"người dùng {self.name} đã bị thu hồi quyền", field="name")
        self._password_set(kind=kind, meta=meta)

    @event("PasswordSet")
    def _password_set(self, kind: str, meta: EventMeta) -> None:
        self.password_set_at = meta.effective_at

    def lock_out(self, *, until: str, failures: int, meta: EventMeta) -> None:
        """Sign-in was locked after ``failures`` consecutive wrong passwords, until ``until``
        (ISO 8601): recorded so that an attack on an account is on the record."""
        self._locked_out(until=until, failures=failures, meta=meta)

    @event("LockedOut")
    def _locked_out(self, until: str, failures: int, meta: EventMeta) -> None:
        self.locked_until = until

    def change_role(self, *, role: str, agency: str | None, meta: EventMeta) -> None:
        role_ = role_of(role, agency)
        if self.revoked:
            raise RuleViolation(f"người dùng {self.name} đã bị thu hồi quyền", field="name")
        agency_ = None if agency is None else code(agency, "agency")
        if (role_.value, agency_) == (self.role, self.agency):
            raise RuleViolation(
                f"người dùng {self.name} đã có vai trò và cơ quan này", field="role"
            )
        self._role_changed(role=role_.value, agency=agency_, meta=meta)

    @event("RoleChanged")
    def _role_changed(self, role: str, agency: str | None, meta: EventMeta) -> None:
        self.role = role
        self.agency = agency

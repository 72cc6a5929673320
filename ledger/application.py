"""ParLedger's application: the one place the CLI, the HTTP API and the pages call.

A command is a declared model (``ledger/commands.py``); ``handle`` finds the use case that
carries it out (``ledger/usecases/``, one module per aggregate). What the use cases share —
recording, idempotency, concurrency, loading — is the core (``ledger/core.py``).
"""

from __future__ import annotations

from domain.values import Role
from ledger import access, usecases
from ledger.commands import Command, handler_for
from ledger.context import CommandContext, CommandResult
from ledger.core import LedgerCore, cli_operator
from ledger.usecases.user import AddUser

__all__ = ["CommandContext", "CommandResult", "ParLedger", "cli_operator", "usecases"]


class ParLedger(LedgerCore):
    """The ledger: commands append events; reads rebuild aggregates from them."""

    def handle(self, ctx: CommandContext, command: Command) -> CommandResult:
        """Carry out ``command`` for ``ctx.actor``, through its registered use case."""
        handler = handler_for(type(command))
        if handler is None:  # a declaration whose use case lives in a layer not loaded
            raise LookupError(f"{type(command).__name__} has no use case registered")
        # The role's grant, the same for the CLI, the API and the pages; grants scoped to an
        # agency's own entities are decided by the use case, with the entity.
        if command.permission and command.permission not in access.SCOPED:
            access.require(ctx.actor, command.permission)
        result: CommandResult = handler(self, ctx, command)
        return result

    def add_user(
        self, ctx: CommandContext, *, name: str, role: str, agency: str | None, display_name: str
    ) -> tuple[CommandResult, str]:
        """Register a user and return the token with the result (a convenience for set-up
        code and tests: the same command as ``users add``)."""
        result = self.handle(
            ctx, AddUser(name=name, role=Role(role), agency=agency, display_name=display_name)
        )
        return result, result.detail.get("token", "")

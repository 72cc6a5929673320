"""The use cases, one module per aggregate: each command's declaration beside the function
that carries it out. Importing this package registers them all."""

from ledger.usecases import agency, dossier, inspection, plan, target, task, unit, user

__all__ = ["agency", "dossier", "inspection", "plan", "target", "task", "unit", "user"]

"""Plan files shipped with ParLedger (``planfile/data/*.json``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from domain.errors import InvalidValue, NotFound
from planfile.schema import PlanFile


def bundled_plan_ids() -> list[str]:
    return sorted(
        p.name.removesuffix(".json")
        for p in resources.files("planfile").joinpath("data").iterdir()
        if p.name.endswith(".json")
    )


def bundled_plan(plan_id: str) -> PlanFile:
    if plan_id not in bundled_plan_ids():
        raise NotFound(
            f"không có kế hoạch đi kèm {plan_id!r}; có: {', '.join(bundled_plan_ids())}",
            field="plan",
        )
    raw = resources.files("planfile").joinpath("data", f"{plan_id}.json").read_text("utf-8")
    return PlanFile.model_validate_json(raw)


def read_plan_json(path: Path) -> PlanFile:
    """A plan file from disk, with a clear error naming the first bad field."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise NotFound(f"không đọc được tệp {path}: {error.strerror}", field="file") from None
    try:
        return PlanFile.model_validate_json(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(tệp)"
        raise InvalidValue(
            f"tệp kế hoạch {path.name} không hợp lệ ở {where}: {first['msg']} "
            f"({error.error_count()} lỗi)",
            field="file",
        ) from None

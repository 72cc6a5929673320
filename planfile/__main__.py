"""``python -m planfile PLAN.txt [-o OUT.json] [--id ID]``: parse a plan text into a plan file.

Prints the plan file (JSON) or writes it to ``-o``; the warnings go to stderr with their line
numbers. Exit codes: 0 done, 2 the text is not a readable plan, 3 the file cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from domain.errors import DomainError, NotFound
from planfile.parser import parse_plan_text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m planfile", description=__doc__)
    parser.add_argument("plan", type=Path, help="the plan text (UTF-8, appendix with tabs)")
    parser.add_argument("-o", "--output", type=Path, help="write the plan file here")
    parser.add_argument(
        "--id", help="plan id (default: the unit and year the text states, e.g. cat-hai-2023)"
    )
    args = parser.parse_args(argv)
    try:
        plan = parse_plan_text(args.plan, plan_id=args.id)
    except DomainError as error:
        print(f"planfile: {error}", file=sys.stderr)
        return 3 if isinstance(error, NotFound) else 2
    for warning in plan.warnings:
        print(
            f"{args.plan.name}:{warning.line}: {warning.code}: {warning.message}", file=sys.stderr
        )
    text = plan.model_dump_json(by_alias=True, indent=2) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(
            f"{args.output}: {len(plan.tasks)} nhiệm vụ, {len(plan.targets)} chỉ tiêu, "
            f"{len(plan.areas)} lĩnh vực, {len(plan.warnings)} cảnh báo",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

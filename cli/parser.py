"""argparse in Vietnamese: its usage line, section titles, ``--help`` and the refusals it
writes itself (a missing flag, an unknown subcommand) reach officials, so none stays English."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

USAGE = "cách dùng: "

# argparse's own messages (Python 3.11+), the part after "error: ", and their Vietnamese.
_REFUSALS = [
    (r"the following arguments are required: (.*)", r"thiếu đối số bắt buộc: \1"),
    (r"unrecognized arguments: (.*)", r"đối số không nhận ra: \1"),
    (r"one of the arguments (.*) is required", r"cần một trong các đối số \1"),
    (
        r"invalid choice: (.*) \(choose from (.*)\)",
        r"lựa chọn không hợp lệ \1 (chọn một trong: \2)",
    ),
    (r"invalid int value: (.*)", r"giá trị \1 không phải số nguyên viết bằng chữ số 0–9"),
    (r"invalid float value: (.*)", r"giá trị \1 không phải một số"),
    (r"invalid (\w+) value: (.*)", r"giá trị \2 không hợp lệ"),
    (r"expected one argument", "cần một giá trị"),
    (r"expected at most one argument", "nhiều nhất một giá trị"),
    (r"expected at least one argument", "cần ít nhất một giá trị"),
    (r"expected (\d+) arguments?", r"cần \1 giá trị"),
    (r"not allowed with argument (.*)", r"không dùng cùng đối số \1"),
    (r"ignored explicit argument (.*)", r"bỏ qua giá trị \1"),
    (r"ambiguous option: (.*) could match (.*)", r"tùy chọn \1 không rõ: có thể là \2"),
]


def vietnamese(message: str) -> str:
    """One argparse refusal in Vietnamese ("argument --x: …" keeps the flag it names)."""
    argument = re.match(r"argument ([^:]+): (.*)", message, re.DOTALL)
    prefix, rest = (f"đối số {argument[1]}: ", argument[2]) if argument else ("", message)
    for pattern, replacement in _REFUSALS:
        if re.fullmatch(pattern, rest, re.DOTALL):
            return prefix + re.sub(pattern, replacement, rest, count=1, flags=re.DOTALL)
    return prefix + rest  # our own type checks already speak Vietnamese


class Formatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, USAGE if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """Every parser and subparser of ``parledger`` (subparsers inherit the class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "đối số"
        self._optionals.title = "tùy chọn"
        self.add_argument(
            "-h", "--help", action="help", default=argparse.SUPPRESS, help="in trợ giúp rồi thoát"
        )

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: lỗi: {vietnamese(message)}\n")

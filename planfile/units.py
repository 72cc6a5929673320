"""Which administrative unit a plan's heading names, and the plan's identity from it.

"Cải cách hành chính huyện Cát Hải năm 2023" is the plan of unit ``cat-hai`` (a district) for
2023, id ``cat-hai-2023``, whatever the file is called. The unit's code is its name without the
level word, folded to ASCII: that is the code Cát Hải's plans have had since release 0.1.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from domain.unit import LEGACY_UNIT
from planfile.schema import PlanFile

# Level words as plans write them, longest first; the level names are domain.unit's.
LEVEL_WORDS: tuple[tuple[str, str], ...] = (
    ("thành phố", "province"),  # a centrally governed city (Hải Phòng): the plans we meet
    ("đặc khu", "special_zone"),
    ("thị trấn", "town"),
    ("thị xã", "district"),
    ("huyện", "district"),
    ("quận", "district"),
    ("tỉnh", "province"),
    ("phường", "ward"),
    ("xã", "commune"),
)


def slug(text: str) -> str:
    """ASCII code for a Vietnamese name: "Phòng Tư pháp" -> "phong-tu-phap"."""
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def unit_of(unit_name: str) -> tuple[str, str]:
    """(code, level) of a unit named as in a plan's heading ("Huyện Cát Hải")."""
    lowered = unit_name.casefold()
    for word, level in LEVEL_WORDS:
        if lowered.startswith(word + " "):
            return slug(unit_name[len(word) :]), level
    return slug(unit_name), "commune"


def unit_within(unit_name: str, province: str | None) -> tuple[str, str]:
    """(code, level) of a unit below a province, named as in a plan's heading: with the
    province the text names, its code starts with the province's ("phu-tho-tan-lap"), since
    many communes share a name (xã Tân Lập is in several provinces). The legacy unit keeps the
    code its stored ledgers have used since release 0.1, as does a text that names no
    province."""
    code, level = unit_of(unit_name)
    if province is None or code == LEGACY_UNIT or level == "province":
        return code, level
    return f"{unit_of(province)[0]}-{code}", level


def plan_code(unit_code: str, year: int, department: str | None = None) -> str:
    """``cat-hai-2023``; a department's plan also names its department:
    ``bac-ninh-so-noi-vu-2024``."""
    return f"{unit_code}-{slug(department)}-{year}" if department else f"{unit_code}-{year}"


def _all(q: Callable[[str], str], codes: list[str]) -> list[str]:
    return [q(c) for c in codes]


def qualified(plan: PlanFile) -> PlanFile:
    """``plan`` with its agency and group codes qualified by its unit ("thuy-nguyen.phong-tu-
    phap"): the same office name in two units is two agencies. The legacy unit's agencies keep
    the bare codes its stored ledgers have always used."""
    unit = plan.unit_code
    if unit is None or unit == LEGACY_UNIT:
        return plan

    def q(code: str) -> str:
        return f"{unit}.{code}"

    return plan.model_copy(
        update={
            "agencies": [a.model_copy(update={"code": q(a.code)}) for a in plan.agencies],
            "groups": [g.model_copy(update={"code": q(g.code)}) for g in plan.groups],
            "tasks": [
                t.model_copy(
                    update={
                        "lead": [q(c) for c in t.lead],
                        "coordinating": [q(c) for c in t.coordinating],
                    }
                )
                for t in plan.tasks
            ],
        }
    )

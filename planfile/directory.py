"""Agency directories and the resolution of "Cơ quan chủ trì / phối hợp" cells into codes.

A cell names agencies and group names separated by commas, but names contain commas too
("Phòng Nội vụ, Lao động - Thương binh và Xã hội huyện", "UBND các xã, thị trấn"), so a cell
is read by matching the longest known name at each position, not by splitting on commas.
A name the directory does not know becomes a new agency whose kind is guessed from its first
words, with a warning, so that a plan of another district still imports and the directory can
then be corrected through the ledger's agency commands.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from domain.errors import InvalidValue
from planfile.schema import Agency, AgencyGroup, AgencyKind

K = AgencyKind


def slug(text: str) -> str:
    """ASCII code for a Vietnamese name: "Phòng Tư pháp" -> "phong-tu-phap"."""
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


_KIND_BY_PREFIX: list[tuple[str, AgencyKind]] = [
    ("ủy ban nhân dân huyện", K.DISTRICT_PEOPLES_COMMITTEE),
    ("ubnd huyện", K.DISTRICT_PEOPLES_COMMITTEE),
    ("ủy ban nhân dân thị trấn", K.TOWN),
    ("ubnd thị trấn", K.TOWN),
    ("ủy ban nhân dân xã", K.COMMUNE),
    ("ubnd xã", K.COMMUNE),
    ("văn phòng", K.OFFICE),
    ("phòng", K.SPECIALISED_OFFICE),
    ("thanh tra", K.SPECIALISED_OFFICE),
]


def guess_kind(name: str) -> AgencyKind:
    key = _key(name)
    for prefix, kind in _KIND_BY_PREFIX:
        if key.startswith(prefix):
            return kind
    return K.PUBLIC_SERVICE_UNIT


@dataclass
class Resolution:
    codes: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # names added to the directory
    groups: list[str] = field(default_factory=list)  # catch-all group names added
    miscased: list[tuple[str, str]] = field(default_factory=list)  # (as written, proper name)
    trailing: str = ""  # punctuation left at the end of the cell


# Separators between names in a cell: ",", ";" and "và" ("A, B và C" names three agencies).
_SEPARATOR = re.compile(r"\s*(?:,|;|\svà\s)\s*")
# First words of an agency's name. A separator splits a cell only where the text after it
# starts with one of them, capitalised as names are: "Phòng Nội vụ, Lao động - Thương binh và
# Xã hội huyện" stays one name, "Phòng Tư pháp, Phòng Y tế và Công an xã" is three.
_HEADS = (
    "phòng", "văn phòng", "ubnd", "ủy ban", "uỷ ban", "hđnd", "hội đồng", "sở", "ban",
    "trung tâm", "thanh tra", "công an", "công chức", "chi cục", "cục", "bảo hiểm", "kho bạc",
    "chi nhánh", "đài", "trường", "bệnh viện", "mặt trận", "hội", "đoàn", "liên đoàn", "đảng ủy",
    "bộ phận", "trạm", "hạt", "ngân hàng", "tòa án", "viện", "cổng", "quỹ", "các", "tổ",
)  # fmt: skip
# A name that stands for many: "Các cơ quan, đơn vị liên quan", "UBND các xã, phường".
_GROUP = re.compile(
    r"^(?:(?:ubnd|ủy ban nhân dân|uỷ ban nhân dân)\s+)?các\b|\b(?:có\s+)?liên\s+quan$", re.I
)
_COMMUNES = re.compile(r"\b(xã|phường|thị trấn|đặc khu|thôn|tổ dân phố)\b", re.I)


def _starts_name(text: str) -> bool:
    words = text.split(" ", 3)
    if words[0].casefold() == "các" and len(words) > 1:
        return True  # a catch-all group, often written in lower case after a comma
    if not text or not text[0].isupper():
        return False
    return any(" ".join(words[:n]).casefold() in _HEADS for n in (1, 2, 3))


def group_kinds(name: str) -> list[AgencyKind]:
    """The members a catch-all group's words name; everyone when they name no kind."""
    key = name.casefold()
    if "chuyên môn" in key or "phòng" in key:
        return [K.OFFICE, K.SPECIALISED_OFFICE]
    if _COMMUNES.search(key) and "cơ quan" not in key:
        return [K.COMMUNE, K.TOWN]
    return [K.OFFICE, K.SPECIALISED_OFFICE, K.PUBLIC_SERVICE_UNIT, K.COMMUNE, K.TOWN]


@dataclass
class Directory:
    agencies: list[Agency]
    groups: list[AgencyGroup]
    _names: dict[str, str] = field(init=False, default_factory=dict)
    _spellings: dict[str, set[str]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        entries: list[Agency | AgencyGroup] = [*self.agencies, *self.groups]
        for entry in entries:
            for name in (entry.name, *entry.aliases):
                self._know(name, entry.code)

    def _know(self, name: str, code: str) -> None:
        self._names[_key(name)] = code
        self._spellings.setdefault(code, set()).add(name)

    def _add(self, name: str) -> str:
        code = slug(name)
        if code not in {a.code for a in self.agencies}:
            self.agencies.append(Agency(code=code, name=name, kind=guess_kind(name)))
        self._know(name, code)
        return code

    def _add_group(self, name: str) -> str:
        code = slug(name)
        if code not in {g.code for g in self.groups}:
            self.groups.append(AgencyGroup(code=code, name=name, kinds=group_kinds(name)))
        self._know(name, code)
        return code

    def map_names(self, mapping: dict[str, str]) -> None:
        """Names the plan's officials resolved themselves (``--agencies FILE``): a name mapped
        to a code the directory holds becomes its alias; to a new code, a new agency."""
        for name, code in mapping.items():
            if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", code):
                raise InvalidValue(
                    f"mã cơ quan “{code}” (cho “{name}”) chỉ gồm chữ thường, số, “.”, “-”",
                    field="agencies",
                )
            for i, agency in enumerate(self.agencies):
                if agency.code == code:
                    aliases = [*agency.aliases, name]
                    self.agencies[i] = agency.model_copy(update={"aliases": aliases})
                    break
            else:
                if code not in {g.code for g in self.groups}:
                    self.agencies.append(Agency(code=code, name=name, kind=guess_kind(name)))
            self._know(name, code)

    def _known_at(self, rest: str, names: list[str]) -> str | None:
        """The longest known name at the start of ``key`` that ends at a separator after
        which another name starts (or at the end of the cell)."""
        key = _key(rest)
        for name in names:
            if not key.startswith(name):
                continue
            after = rest[len(name) :]
            if not after:
                return name
            sep = _SEPARATOR.match(after)
            if sep and (_starts_name_key(after[sep.end() :], self._names)):
                return name
        return None

    def resolve(self, cell: str) -> Resolution:
        """The agency and group codes a cell names, in order, without duplicates."""
        result = Resolution()
        rest = " ".join(cell.split())
        stripped = rest.rstrip(" ,.;")
        result.trailing = rest[len(stripped) :].strip()
        rest = stripped
        names = sorted(self._names, key=len, reverse=True)
        while rest:
            match = self._known_at(rest, names)
            if match is not None:
                written, code = rest[: len(match)], self._names[match]
            else:
                written = self._piece(rest)
                if _GROUP.search(written):
                    code = self._add_group(written)
                    result.groups.append(written)
                else:
                    code = self._add(written)
                    result.unknown.append(written)
            spellings = self._spellings.get(code, {written})
            if written not in spellings and written.casefold() in {n.casefold() for n in spellings}:
                proper = next(n for n in spellings if n.casefold() == written.casefold())
                result.miscased.append((written, proper))
            if code not in result.codes:
                result.codes.append(code)
            rest = rest[len(written) :]
            rest = rest[m.end() :] if (m := _SEPARATOR.match(rest)) else rest.lstrip(" ,;")
        return result

    def _piece(self, rest: str) -> str:
        """An unknown name: up to the first separator after which another name starts."""
        for sep in _SEPARATOR.finditer(rest):
            if sep.start() > 0 and _starts_name_key(rest[sep.end() :], self._names):
                return rest[: sep.start()]
        return rest


def _starts_name_key(after: str, known: dict[str, str]) -> bool:
    """Whether ``after`` (a cell's text after a separator) starts another name: a known one,
    or one that starts with an agency's first words, capitalised."""
    key = _key(after)
    if any(key.startswith(n) and key[len(n) : len(n) + 1] in ("", ",", ";", " ") for n in known):
        return True
    return _starts_name(after)


def cat_hai_directory() -> Directory:
    """Cát Hải district (Hải Phòng) as of January 2023: the units its 2023 plan relies on.

    Besides the units the plan names, the directory lists every specialised office and every
    commune and town, because target 5 is a share of them ("tối thiểu 30% cơ quan chuyên môn
    ..., Ủy ban nhân dân các xã, thị trấn").
    """
    offices = [
        (
            "phong-noi-vu-ldtbxh",
            "Phòng Nội vụ, Lao động - Thương binh và Xã hội huyện",
            ["Phòng Nội vụ, Lao động - Thương binh và Xã hội"],
        ),
        ("phong-tu-phap", "Phòng Tư pháp", ["Phòng Tư pháp huyện"]),
        (
            "phong-vh-tt-tt-dl",
            "Phòng Văn hóa - Thông tin - Thể thao và Du lịch huyện",
            ["Phòng Văn hóa - Thông tin - Thể thao và Du lịch"],
        ),
        (
            "phong-tai-chinh-ke-hoach",
            "Phòng Tài chính - Kế hoạch huyện",
            ["Phòng Tài chính - Kế hoạch"],
        ),
        ("phong-kinh-te-ha-tang", "Phòng Kinh tế và Hạ tầng huyện", ["Phòng Kinh tế và Hạ tầng"]),
        (
            "phong-tai-nguyen-moi-truong",
            "Phòng Tài nguyên và Môi trường huyện",
            ["Phòng Tài nguyên và Môi trường"],
        ),
        (
            "phong-giao-duc-dao-tao",
            "Phòng Giáo dục và Đào tạo huyện",
            ["Phòng Giáo dục và Đào tạo"],
        ),
        ("phong-y-te", "Phòng Y tế huyện", ["Phòng Y tế"]),
        (
            "phong-nong-nghiep-ptnt",
            "Phòng Nông nghiệp và Phát triển nông thôn huyện",
            ["Phòng Nông nghiệp và Phát triển nông thôn"],
        ),
        ("thanh-tra-huyen", "Thanh tra huyện", []),
    ]
    communes = [
        "Đồng Bài",
        "Gia Luận",
        "Hiền Hào",
        "Hoàng Châu",
        "Nghĩa Lộ",
        "Phù Long",
        "Trân Châu",
        "Văn Phong",
        "Việt Hải",
        "Xuân Đám",
    ]
    towns = ["Cát Bà", "Cát Hải"]
    agencies = [
        Agency(
            code="ubnd-huyen",
            name="UBND huyện",
            kind=K.DISTRICT_PEOPLES_COMMITTEE,
            aliases=["Ủy ban nhân dân huyện", "Ủy ban nhân dân huyện Cát Hải"],
        ),
        Agency(
            code="van-phong-hdnd-ubnd",
            name="Văn phòng HĐND và UBND huyện",
            kind=K.OFFICE,
            aliases=["Văn phòng Hội đồng nhân dân và Ủy ban nhân dân huyện"],
        ),
        *(
            Agency(code=code, name=name, kind=K.SPECIALISED_OFFICE, aliases=aliases)
            for code, name, aliases in offices
        ),
        Agency(
            code="trung-tam-vh-tt-tt",
            name="Trung tâm Văn hóa - Thông tin - Thể thao huyện",
            kind=K.PUBLIC_SERVICE_UNIT,
        ),
        Agency(
            code="cong-ttdt-huyen",
            name="Cổng Thông tin điện tử thành phần huyện",
            kind=K.PUBLIC_SERVICE_UNIT,
            aliases=["Cổng TTĐT thành phần huyện"],
        ),
        *(
            Agency(
                code=f"{prefix}-{slug(n)}",
                name=f"UBND {level} {n}",
                kind=kind,
                aliases=[f"Ủy ban nhân dân {level} {n}"],
            )
            for names, prefix, level, kind in (
                (towns, "thi-tran", "thị trấn", K.TOWN),
                (communes, "xa", "xã", K.COMMUNE),
            )
            for n in names
        ),
    ]
    everyone = [K.OFFICE, K.SPECIALISED_OFFICE, K.PUBLIC_SERVICE_UNIT, K.COMMUNE, K.TOWN]
    groups = [
        AgencyGroup(
            code="ubnd-cac-xa-thi-tran",
            name="UBND các xã, thị trấn",
            kinds=[K.COMMUNE, K.TOWN],
            aliases=[
                "Ủy ban nhân dân các xã, thị trấn",
                "UBND xã, thị trấn",
                "UBND xã, thị trấn có liên quan",
            ],
        ),
        AgencyGroup(
            code="co-quan-chuyen-mon",
            name="Các cơ quan chuyên môn thuộc huyện",
            kinds=[K.OFFICE, K.SPECIALISED_OFFICE],
            aliases=["Các cơ quan chuyên môn thuộc UBND huyện", "Các cơ quan CM thuộc UBND huyện"],
        ),
        AgencyGroup(
            code="cac-co-quan-don-vi-dia-phuong",
            name="Các cơ quan, đơn vị, địa phương",
            kinds=everyone,
        ),
        AgencyGroup(
            code="cac-co-quan-don-vi-lien-quan",
            name="Các cơ quan, đơn vị liên quan",
            kinds=everyone,
            aliases=["Các cơ quan, đơn vị có liên quan"],
        ),
    ]
    return Directory(agencies=agencies, groups=groups)

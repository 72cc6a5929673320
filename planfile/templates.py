"""Built-in directories of the offices every unit of a level has, so that a plan of any
district, commune or province department resolves its agency names without a hand-made list.

The names are those of the common organisation (Decree 37/2014/NĐ-CP and 108/2020/NĐ-CP for a
district's specialised offices, Decree 150/2025/NĐ-CP for a commune's after 1 July 2025,
Circular-level names for a department's divisions). A unit whose offices differ is corrected
with ``parledger plan import --agencies FILE`` (a mapping from a name to a code), and what
stays unknown is a warning with its line.
"""

from __future__ import annotations

from planfile.directory import Directory, cat_hai_directory, slug
from planfile.schema import Agency, AgencyGroup, AgencyKind

K = AgencyKind
_EVERYONE = [K.OFFICE, K.SPECIALISED_OFFICE, K.PUBLIC_SERVICE_UNIT, K.COMMUNE, K.TOWN]

# (name without the level word, other spellings) of a district's specialised offices.
_DISTRICT_OFFICES = [
    "Phòng Nội vụ",
    "Phòng Nội vụ, Lao động - Thương binh và Xã hội",
    "Phòng Lao động - Thương binh và Xã hội",
    "Phòng Tư pháp",
    "Phòng Tài chính - Kế hoạch",
    "Phòng Kinh tế và Hạ tầng",
    "Phòng Kinh tế",
    "Phòng Quản lý đô thị",
    "Phòng Tài nguyên và Môi trường",
    "Phòng Giáo dục và Đào tạo",
    "Phòng Văn hóa và Thông tin",
    "Phòng Văn hóa - Thông tin - Thể thao và Du lịch",
    "Phòng Y tế",
    "Phòng Nông nghiệp và Phát triển nông thôn",
    "Phòng Dân tộc",
]
_COMMUNE_OFFICES = [
    ("van-phong-hdnd-ubnd", "Văn phòng HĐND và UBND", K.OFFICE),
    ("phong-kinh-te", "Phòng Kinh tế", K.SPECIALISED_OFFICE),
    ("phong-van-hoa-xa-hoi", "Phòng Văn hóa - Xã hội", K.SPECIALISED_OFFICE),
    ("trung-tam-phvhc", "Trung tâm Phục vụ hành chính công", K.PUBLIC_SERVICE_UNIT),
    ("cong-chuc-van-phong-thong-ke", "Công chức Văn phòng - Thống kê", K.OFFICE),
    ("cong-chuc-tu-phap-ho-tich", "Công chức Tư pháp - Hộ tịch", K.SPECIALISED_OFFICE),
    ("cong-chuc-tai-chinh-ke-toan", "Công chức Tài chính - Kế toán", K.SPECIALISED_OFFICE),
    ("cong-chuc-dia-chinh-xay-dung", "Công chức Địa chính - Xây dựng", K.SPECIALISED_OFFICE),
    ("cong-chuc-van-hoa-xa-hoi", "Công chức Văn hóa - Xã hội", K.SPECIALISED_OFFICE),
    ("cong-an-xa", "Công an xã", K.PUBLIC_SERVICE_UNIT),
    ("ban-chi-huy-quan-su", "Ban Chỉ huy Quân sự xã", K.PUBLIC_SERVICE_UNIT),
]
_DEPARTMENT_DIVISIONS = [
    ("ban-giam-doc", "Ban Giám đốc Sở", K.DISTRICT_PEOPLES_COMMITTEE),
    ("van-phong", "Văn phòng Sở", K.OFFICE),
    ("thanh-tra", "Thanh tra Sở", K.SPECIALISED_OFFICE),
    ("phong-to-chuc-can-bo", "Phòng Tổ chức cán bộ", K.SPECIALISED_OFFICE),
    ("phong-ke-hoach-tai-chinh", "Phòng Kế hoạch - Tài chính", K.SPECIALISED_OFFICE),
    ("phong-phap-che", "Phòng Pháp chế", K.SPECIALISED_OFFICE),
]
# Divisions only a Department of Home Affairs has: another department's directory would
# otherwise count offices it does not have (in the share of offices inspected, for one).
_HOME_AFFAIRS_DIVISIONS = [
    ("phong-cai-cach-hanh-chinh", "Phòng Cải cách hành chính", K.SPECIALISED_OFFICE),
    ("phong-cong-chuc-vien-chuc", "Phòng Công chức, viên chức", K.SPECIALISED_OFFICE),
    ("phong-xay-dung-chinh-quyen", "Phòng Xây dựng chính quyền", K.SPECIALISED_OFFICE),
]


def _agency(code: str, name: str, kind: AgencyKind, aliases: list[str]) -> Agency:
    return Agency(code=code, name=name, kind=kind, aliases=[a for a in aliases if a != name])


def district_directory(level_word: str = "huyện") -> Directory:
    """Any district ("huyện", "quận", "thị xã"): its committee, office and specialised offices,
    each also written with the level word ("Phòng Tư pháp huyện")."""
    w = level_word
    agencies = [
        _agency("ubnd", f"UBND {w}", K.DISTRICT_PEOPLES_COMMITTEE, [f"Ủy ban nhân dân {w}"]),
        _agency(
            "van-phong-hdnd-ubnd",
            f"Văn phòng HĐND và UBND {w}",
            K.OFFICE,
            [f"Văn phòng Hội đồng nhân dân và Ủy ban nhân dân {w}", "Văn phòng HĐND và UBND"],
        ),
        *(
            _agency(slug(name), f"{name} {w}", K.SPECIALISED_OFFICE, [name])
            for name in _DISTRICT_OFFICES
        ),
        _agency("thanh-tra", f"Thanh tra {w}", K.SPECIALISED_OFFICE, []),
    ]
    groups = [
        AgencyGroup(
            code="ubnd-cac-xa",
            name="UBND các xã, thị trấn",
            kinds=[K.COMMUNE, K.TOWN],
            aliases=[
                "Ủy ban nhân dân các xã, thị trấn",
                "UBND các xã, phường, thị trấn",
                "UBND xã, thị trấn",
                "UBND xã, thị trấn có liên quan",
            ],
        ),
        AgencyGroup(
            code="co-quan-chuyen-mon",
            name=f"Các cơ quan chuyên môn thuộc UBND {w}",
            kinds=[K.OFFICE, K.SPECIALISED_OFFICE],
            aliases=[
                f"Các cơ quan chuyên môn thuộc {w}",
                f"Các cơ quan CM thuộc UBND {w}",
                f"Các phòng, ban chuyên môn thuộc UBND {w}",
                f"Các phòng, ban {w}",
            ],
        ),
    ]
    return Directory(agencies=agencies, groups=groups)


def commune_directory(level_word: str = "xã") -> Directory:
    """A commune, ward or special zone (the two-tier organisation since 1 July 2025)."""
    w = level_word
    agencies = [
        _agency("ubnd", f"UBND {w}", K.DISTRICT_PEOPLES_COMMITTEE, [f"Ủy ban nhân dân {w}"]),
        *(
            _agency(code, _commune_office(name, w), kind, [name, _commune_office(name, w, "")])
            for code, name, kind in _COMMUNE_OFFICES
        ),
    ]
    groups = [
        AgencyGroup(
            code="thon-to-dan-pho",
            name="Các thôn, tổ dân phố",
            kinds=[K.COMMUNE, K.TOWN],
            aliases=["Ban công tác Mặt trận các thôn, tổ dân phố"],
        ),
    ]
    return Directory(agencies=agencies, groups=groups)


def _commune_office(name: str, word: str, suffix: str | None = None) -> str:
    """An office as the unit's level names it: a ward's or special zone's economic office is
    "Phòng Kinh tế, Hạ tầng và Đô thị" (Decree 150/2025/NĐ-CP), its police "Công an phường"."""
    if name == "Phòng Kinh tế" and word in ("phường", "đặc khu"):
        name = "Phòng Kinh tế, Hạ tầng và Đô thị"
    base = name.removesuffix(" xã")
    tail = word if suffix is None else suffix
    return f"{base} {tail}".rstrip()


def department_directory(department: str) -> Directory:
    """A province department ("Sở Nội vụ"): its leadership, office and divisions; codes start
    with the department's own, since two departments of one province both have a "Văn phòng"."""
    prefix = slug(department)
    agencies = [
        _agency(f"{prefix}.{code}", name, kind, [name.replace(" Sở", f" {department}")])
        for code, name, kind in [
            *_DEPARTMENT_DIVISIONS,
            *(_HOME_AFFAIRS_DIVISIONS if prefix == "so-noi-vu" else []),
        ]
    ]
    groups = [
        AgencyGroup(
            code=f"{prefix}.cac-phong",
            name="Các phòng, đơn vị thuộc Sở",
            kinds=[K.OFFICE, K.SPECIALISED_OFFICE, K.PUBLIC_SERVICE_UNIT],
            aliases=["Các phòng, đơn vị trực thuộc Sở", "Các phòng chuyên môn thuộc Sở"],
        ),
    ]
    return Directory(agencies=agencies, groups=groups)


def directory_for(unit: str, level: str, department: str | None = None) -> Directory:
    """The directory a plan's names are resolved in: Cát Hải's own, or the template of its
    unit's level (the level word as the heading writes it: "quận Lê Chân" has "UBND quận")."""
    if slug(unit) in ("huyen-cat-hai", "cat-hai"):
        return cat_hai_directory()
    if department is not None:
        return department_directory(department)
    word = unit.split(" ", 1)[0].casefold() if " " in unit else ""
    if level == "district":
        return district_directory("thị xã" if unit.casefold().startswith("thị xã") else word)
    if level in ("commune", "ward", "special_zone", "town"):
        return commune_directory(
            "đặc khu" if level == "special_zone" else "thị trấn" if level == "town" else word
        )
    return Directory(agencies=[], groups=[])

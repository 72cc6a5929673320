"""Word and Excel files are zip packages stamped with the moment they were written (each
entry's time, the core properties' created and modified): the same report rendered twice
would differ in those bytes alone. A report states its date of issue; the package carries that
date instead, so a report rendered again from the same ledger position is the same file."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

CORE = "docProps/core.xml"
_STAMPS = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def stable_package(data: bytes, issued_on: date) -> bytes:
    """``data`` (a zip package) with every time stamp set to ``issued_on``."""
    when = (issued_on.year, issued_on.month, issued_on.day, 0, 0, 0)
    stamp = f"{issued_on.isoformat()}T00:00:00Z".encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == CORE:
                content = _STAMPS.sub(lambda m: m.group(1) + stamp + m.group(3), content)
            entry = zipfile.ZipInfo(item.filename, date_time=when)
            entry.compress_type = item.compress_type
            entry.external_attr = item.external_attr
            target.writestr(entry, content)
    return out.getvalue()

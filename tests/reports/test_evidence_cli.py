"""``parledger verify-report``, ``parledger evidence`` and ``parledger evidence verify`` as a
user runs them: the package and the report check with no database; failures exit 1 naming
what; usage mistakes exit 2 naming the argument."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from integrity.digests import key_path, load_or_create_key, public_hex


def test_package_made_twice_is_identical_and_verifies_without_a_database(  # type: ignore[no-untyped-def]
    run, tmp_path: Path
) -> None:
    one, two = tmp_path / "a.zip", tmp_path / "b.zip"
    args = ("evidence", "cat-hai-2023", "--agency", "xa-dong-bai", "--from", "01/01/2023",
            "--to", "2023-06-30")  # fmt: skip
    assert run(*args, "--output", str(one))[0] == 0
    assert run(*args, "--output", str(two))[0] == 0
    assert one.read_bytes() == two.read_bytes()
    key = public_hex(load_or_create_key(key_path()))
    code, out, _ = run("evidence", "verify", str(one), "--trusted-key", key, ledger=False)
    assert code == 0 and "hợp lệ" in out
    with zipfile.ZipFile(one) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    name = next(n for n in sorted(files) if n.startswith("events/"))
    entry = json.loads(files[name])
    entry["leaf_index"] += 1
    files[name] = json.dumps(entry).encode()
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as archive:
        for n, data in files.items():
            archive.writestr(n, data)
    code, _, err = run("evidence", "verify", str(broken), "--trusted-key", key, ledger=False)
    assert code == 1 and name in err


def test_usage_mistakes_exit_2_naming_the_argument(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("evidence", "cat-hai-2023", "--from", "2023-01-01", "--to", "2023-06-30",
                       "--output", str(tmp_path / "p.zip"))  # fmt: skip
    assert code == 2 and "--agency" in err
    target = str(tmp_path / "p.zip")
    code, _, err = run("evidence", "cat-hai-2023", "--agency", "xa-dong-bai", "--from",
                       "2023-06-30", "--to", "2023-01-01", "--output", target)  # fmt: skip
    assert code == 2 and not (tmp_path / "p.zip").exists()
    code, _, err = run("evidence", "verify", ledger=False)
    assert code == 2 and "FILE" in err


def test_verify_report_alone_and_against_the_ledger(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "q2.xlsx"
    assert run("report", "cat-hai-2023", "Q2", "--format", "xlsx", "--output", str(path))[0] == 0
    key = public_hex(load_or_create_key(key_path()))
    code, out, _ = run("verify-report", str(path), "--trusted-key", key, ledger=False)
    assert code == 0 and "khớp" in out and "chưa đối chiếu với sổ cái" in out
    code, out, _ = run("verify-report", str(path), "--ledger")
    assert code == 0 and "dựng lại từ sổ cái" in out
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert any(n.startswith("xl/worksheets/") for n in archive.namelist())
    code, _, err = run("verify-report", str(path), "--trusted-key", "ab" * 32, ledger=False)
    assert code == 1 and "khoá tin cậy" in err

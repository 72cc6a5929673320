"""``parledger score criterion`` and ``parledger score show`` as a user runs them, on both
backends: the computed answer names its rule version and says why each point was given."""

from __future__ import annotations

import json

import pytest

from cli.main import main


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PARLEDGER_DATABASE_URL", db_url)
    monkeypatch.delenv("PARLEDGER_TOKEN", raising=False)

    def call(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    assert call("init")[0] == 0
    return call


def test_score_a_criterion_and_show_the_computed_scores(run) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(
        "score", "criterion", "cat-hai-2023", "I.2", "--kind", "self_assessed", "--score", "2",
        "--evidence", "Báo cáo quý I", "--effective", "2023-04-10",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = run("score", "show", "cat-hai-2023", "--as-of", "31/12/2023")
    assert code == 0
    # 2 self-assessed, 1.5 derived: no late dossier was left without its apology.
    assert "par-index.district.hai-phong@1" in out and "Tổng: 3.5/63" in out
    assert "I.2      2 điểm: điểm tự đánh giá" in out and "minh chứng: Báo cáo quý I" in out
    code, out, _ = run("score", "show", "cat-hai-2023", "--as-of", "2023-04-09", "--format", "json")
    answer = json.loads(out)
    assert code == 0 and answer["total"]["score"] == "1.5" and answer["rules"]["ref"].endswith("@1")


@pytest.mark.parametrize(
    ("argv", "exit_code", "words"),
    [
        (
            ("I.2", "--kind", "self_assessed", "--score", "2.5"),
            2,
            "lỗi: điểm 2.5 vượt điểm tối đa 2",
        ),
        (("IX.1", "--kind", "appraised", "--score", "1"), 3, "tiêu chí: bộ chỉ số"),
        (("I.1", "--kind", "appraised", "--score", "1"), 2, "I.1.1, I.1.2"),
    ],
)
def test_refusals_exit_with_the_field_in_one_line(  # type: ignore[no-untyped-def]
    run, argv: tuple[str, ...], exit_code: int, words: str
) -> None:
    code, _, err = run("score", "criterion", "cat-hai-2023", *argv)
    assert code == exit_code and words in err and len(err.strip().splitlines()) == 1, err

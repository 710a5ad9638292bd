"""The rules of what text callers may send, and of the cells of a results table, as pure
functions."""

from __future__ import annotations

import pytest

from app.http.text_input import control_character, json_text_problems, printable
from app.services.batches import ResultRow, neutralised, results_table
from app.services.limits import largest_part


@pytest.mark.parametrize(
    ("text", "line", "paragraph"),
    [
        ("Đurđica Šćepanović", None, None),
        ("Љубица Јовановић", None, None),
        ("a\tb", "U+0009", None),
        ("a\nb\r\n", "U+000A", None),
        ("a\x00b", "U+0000", "U+0000"),
        ("a\x1fb", "U+001F", "U+001F"),
        ("a\x0bb", "U+000B", "U+000B"),
        ("a\x7fb", "U+007F", "U+007F"),
        ("a\x85b", "U+0085", "U+0085"),
        ("a\ud800b", "U+D800", "U+D800"),
        ("a\u200bb\ufeff", None, None),  # format characters are not control characters
    ],
)
def test_control_characters(text: str, line: str | None, paragraph: str | None) -> None:
    for found, expected in ((control_character(text), line),
                            (control_character(text, breaks=True), paragraph)):  # fmt: skip
        if expected is None:
            assert found is None
        else:
            assert found is not None and expected in found


def test_printable_escapes_what_it_quotes() -> None:
    assert printable("given\x00name\t") == "given\\u0000name\\u0009"
    assert printable("Šćepanović") == "Šćepanović"


def test_json_text_problems_name_the_path() -> None:
    document = {
        "name": "ok\nfine",
        "credentialSubject": {"name": "A\x1fB", "list": ["x", "y\x00"], "k\x01": 1},
        "n": [float("nan"), 1.5, float("-inf")],
    }
    assert list(json_text_problems(document, "credential")) == [
        ("credential.credentialSubject.name", control_character("A\x1fB", breaks=True)),
        ("credential.credentialSubject.list.1", control_character("y\x00", breaks=True)),
        (
            "credential.credentialSubject.k\\u0001",
            "the property name " + str(control_character("k\x01", breaks=True)),
        ),
        ("credential.n.0", "must be a finite number"),
        ("credential.n.2", "must be a finite number"),
    ]


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("http://e.example")', '\'=HYPERLINK("http://e.example")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("given_name: required", "given_name: required"),
        ("", ""),
    ],
)
def test_result_cells_never_begin_like_a_formula(cell: str, shown: str) -> None:
    assert neutralised(cell) == shown
    [_, row] = results_table([ResultRow(2, None, None, None, cell)])
    assert row == ["2", "", "", "", shown]


def test_largest_part_descends_while_one_member_is_most_of_it() -> None:
    document = {"a": "x", "b": {"c": "y" * 100, "d": "z"}, "e": [1, 2]}
    assert largest_part(document, "credential") == "credential.b.c"
    assert largest_part({"a": "x" * 10, "b": "y" * 10}, "credential") == "credential"
    assert largest_part({"l": ["x", "y" * 50]}, "c") == "c.l.1"


def test_json_text_problems_stop_at_a_depth() -> None:
    deep: object = "x"
    for _ in range(5000):
        deep = [deep]
    problems = list(json_text_problems({"a": deep}, "credential"))
    assert len(problems) == 1
    field, reason = problems[0]
    assert field == "credential.a" + ".0" * 64 and "64 levels" in reason

"""Reference data the tests check against but the repository does not ship: the EU's and the
W3C's published files, kept in ``shared/`` next to the checkout (``../shared``).

A test asks for a file through the ``reference_data`` fixture. When the file is missing (a fresh
clone with nothing beside it) the test is skipped with a reason that says what is missing and
where the official files are published; with ``MICROCRED_REQUIRE_REFERENCE_DATA=1`` (as CI sets
it) the test fails instead. The terminal summary ends with a line that counts those tests, so a
run shows whether they ran.

Registered as a plugin by ``tests/conftest.py``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared"
REQUIRE = "MICROCRED_REQUIRE_REFERENCE_DATA"

# Where each part of shared/ comes from, longest prefix first.
PUBLISHED = (
    (
        "elm/ebsi",
        "EBSI's JSON Schemas for Europass EDC credentials (VCDM 2.0) are published in EBSI's "
        "json-schema repository, https://code.europa.eu/ebsi/json-schema (schemas/vcdm2.0/)",
    ),
    (
        "elm",
        "the EU's European Learning Model 3 ontology, the EDC application-profile SHACL shapes "
        "and JSON-LD context are published in the European Learning Model repository "
        "(https://github.com/european-commission-empl/European-Learning-Model, now on "
        "code.europa.eu) and on the ELM browser, https://europa.eu/europass/elm-browser/",
    ),
    (
        "contexts",
        "the W3C JSON-LD context files are published at https://www.w3.org/ns/credentials/ "
        "(v2, examples/v2, undefined-terms/v2) and in https://github.com/w3c/vc-data-model "
        "(contexts/credentials/)",
    ),
)

FIXTURE = "reference_data"


def required() -> bool:
    """Whether a missing reference file fails the test instead of skipping it."""
    return os.environ.get(REQUIRE, "").strip().lower() in {"1", "true", "yes"}


def where_published(subpath: str) -> str:
    for prefix, where in PUBLISHED:
        if subpath == prefix or subpath.startswith(prefix + "/"):
            return where
    return "see shared/STANDARDS.md for the sources of the reference files"


def reference_path(subpath: str) -> Path:
    """The path of ``../shared/<subpath>``; skips the calling test when it is missing, or fails
    it when ``MICROCRED_REQUIRE_REFERENCE_DATA=1``."""
    path = SHARED / subpath
    if path.exists():
        return path
    reason = (
        f"reference data missing: ../shared/{subpath} (looked for {path}); "
        f"{where_published(subpath)}. Put a copy at ../shared/{subpath} next to the repository."
    )
    if required():
        pytest.fail(f"{reason} {REQUIRE} is set, so this fails instead of skipping.", pytrace=False)
    pytest.skip(f"{reason} Set {REQUIRE}=1 to make this a failure.")


@pytest.fixture
def reference_data() -> Callable[[str], Path]:
    """``reference_data("elm/shapes")`` -> the path of ``../shared/elm/shapes``, or a skip."""
    return reference_path


# -- the summary line: which reference-data tests ran --------------------------------------------

_uses_reference: set[str] = set()
_outcomes: dict[str, str] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    _uses_reference.update(
        item.nodeid for item in items if FIXTURE in getattr(item, "fixturenames", ())
    )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # The call's result, or a skip or failure in setup or teardown; a passing phase never hides
    # an earlier one that did not pass.
    if report.nodeid not in _uses_reference or _outcomes.get(report.nodeid) not in (None, "passed"):
        return
    if report.when == "call" or report.outcome != "passed":
        _outcomes[report.nodeid] = report.outcome


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _outcomes:
        return
    counts = {o: sum(1 for v in _outcomes.values() if v == o) for o in ("passed", "skipped")}
    failed = len(_outcomes) - counts["passed"] - counts["skipped"]
    terminalreporter.write_sep("-", "reference data (../shared)")
    mode = "set: missing files fail" if required() else "unset: missing files skip"
    terminalreporter.write_line(
        f"reference-data tests: {counts['passed']} passed, {counts['skipped']} skipped, "
        f"{failed} failed ({REQUIRE} {mode})"
    )
    for nodeid, outcome in sorted(_outcomes.items()):
        terminalreporter.write_line(f"  {outcome.upper()} {nodeid}")

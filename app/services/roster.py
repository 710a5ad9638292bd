"""Reading a roster for bulk issuance: CSV (a header row, one learner per row) or NDJSON.

Rows are numbered as a spreadsheet shows them: the CSV header is row 1, the first learner row
2; an NDJSON roster has no header, so its first line is row 1. Each row is checked with the
same rules as single issuance; bad rows are reported with their number and the reason and do
not stop the good ones. A header naming a column we do not know stops the whole roster,
since it is probably a mistake that would otherwise silently drop data.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.errors import Unprocessable
from app.http.text_input import printable
from app.services.issue_requests import RosterRow

MAX_ROWS = 50_000
#: The columns a roster may have: the fields of a row, learner's and award's.
COLUMNS = tuple(RosterRow.model_fields)
REQUIRED = tuple(name for name, f in RosterRow.model_fields.items() if f.is_required())


@dataclass(frozen=True)
class Roster:
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows) + len(self.errors)


def row_problems(exc: ValidationError) -> str:
    """Why a row is refused, field by field (``given_name: ...; email: ...``). Names the
    caller made up (an unknown NDJSON key) are quoted without their control characters."""
    reasons = []
    for error in exc.errors():
        where = ".".join(printable(str(p)) for p in error.get("loc", ())) or "row"
        reasons.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(reasons)


def _check_row(number: int, values: dict[str, Any], roster: Roster) -> None:
    cleaned = {k: (v if v not in ("", None) else None) for k, v in values.items()}
    try:
        row = RosterRow.model_validate(cleaned)
    except ValidationError as exc:
        roster.errors.append({"row": number, "reason": row_problems(exc)})
        return
    roster.rows.append((number, row.model_dump(mode="json", exclude_none=True)))


def _too_many(count: int) -> None:
    if count > MAX_ROWS:
        raise Unprocessable.field("roster", f"at most {MAX_ROWS} rows in one batch")


def parse_csv(text: str) -> Roster:
    """A CSV roster with a header row (RFC 4180; ``,`` or ``;`` as the separator)."""
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise Unprocessable.field("roster", "the roster is empty") from None
    unknown = [printable(h) for h in header if h not in COLUMNS]
    if unknown:
        raise Unprocessable.field(
            "header", f"unknown column(s) {', '.join(unknown)}; known: {', '.join(COLUMNS)}"
        )
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise Unprocessable.field("header", f"missing column(s) {', '.join(missing)}")
    roster = Roster()
    for offset, record in enumerate(reader):
        if not any(cell.strip() for cell in record):
            continue
        number = offset + 2  # the header is row 1
        if len(record) != len(header):
            roster.errors.append(
                {"row": number, "reason": f"{len(record)} cells, the header has {len(header)}"}
            )
            continue
        _check_row(number, dict(zip(header, record, strict=True)), roster)
        _too_many(roster.total)
    if not roster.total:
        raise Unprocessable.field("roster", "the roster has a header but no rows")
    return roster


def parse_ndjson(text: str) -> Roster:
    """An NDJSON roster: one JSON object per line with the same fields as the CSV columns."""
    roster = Roster()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values = json.loads(line)
        except json.JSONDecodeError as exc:
            roster.errors.append({"row": number, "reason": f"not JSON: {exc.msg}"})
            continue
        if not isinstance(values, dict):
            roster.errors.append({"row": number, "reason": "each line must be a JSON object"})
            continue
        _check_row(number, values, roster)
        _too_many(roster.total)
    if not roster.total:
        raise Unprocessable.field("roster", "the roster is empty")
    return roster

"""Bulk issuance: a roster in (CSV, NDJSON or a multipart upload), progress, results."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from app.dependencies import ContainerDep, CurrentInstitution
from app.errors import Unprocessable
from app.http.urls import PublicUrls
from app.services.batches import BatchInfo, results_table
from app.services.roster import Roster, parse_csv, parse_ndjson

router = APIRouter(prefix="/api/v1/batches", tags=["batches"])

_ROSTER_BODY = {
    "requestBody": {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "achievement_id": {"type": "string"},
                    },
                }
            },
        }
    }
}


def batch_json(urls: PublicUrls, info: BatchInfo) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": info.id,
        "achievement_id": info.achievement_id,
        "state": info.state,
        "total": info.total,
        "issued": info.issued,
        "failed": info.failed,
        "errors": list(info.errors),
        "created_at": info.created_at.isoformat(),
        "finished_at": info.finished_at.isoformat() if info.finished_at else None,
        "status_url": urls.batch(info.id),
    }
    if info.state == "done":
        body["results_url"] = urls.batch_results(info.id)
    return body


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unprocessable.field("roster", "must be UTF-8 text") from exc


async def _roster(request: Request) -> tuple[Roster, str | None]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        async with request.form() as form:  # closes the spooled upload files
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise Unprocessable.field("file", "upload the roster as the field 'file'")
            name = (upload.filename or "").lower()
            text = _decode(await upload.read())
            achievement = form.get("achievement_id")
            is_ndjson = name.endswith((".ndjson", ".jsonl")) or (
                upload.content_type or ""
            ).endswith("ndjson")
        roster = parse_ndjson(text) if is_ndjson else parse_csv(text)
        return roster, achievement if isinstance(achievement, str) else None
    text = _decode(await request.body())
    if content_type in ("application/x-ndjson", "application/ndjson", "application/jsonl"):
        return parse_ndjson(text), None
    if content_type in ("text/csv", "application/csv"):
        return parse_csv(text), None
    raise Unprocessable.field(
        "content-type", "send text/csv, application/x-ndjson or multipart/form-data"
    )


@router.post("", status_code=202, openapi_extra=_ROSTER_BODY)
async def create_batch(
    request: Request,
    container: ContainerDep,
    principal: CurrentInstitution,
    achievement_id: str | None = None,
    notify: bool = True,
) -> JSONResponse:
    """Queue a roster: 202 with the batch; rows with errors are reported and skipped.
    ``notify=false``: no learner of the roster gets the wallet link by e-mail (a row's own
    ``notify`` column says it for that row)."""
    roster, form_achievement = await _roster(request)
    achievement = achievement_id or form_achievement
    if not achievement:
        raise Unprocessable.field("achievement_id", "name the achievement to issue")
    info = await run_in_threadpool(
        container.batches.create, principal, achievement, roster, notify=notify
    )
    body = batch_json(container.urls, info)
    return JSONResponse(body, status_code=202, headers={"Location": body["status_url"]})


@router.get("/{batch_id}")
def get_batch(
    batch_id: str, container: ContainerDep, principal: CurrentInstitution
) -> dict[str, Any]:
    return batch_json(container.urls, container.batches.get(principal, batch_id))


@router.get(
    "/{batch_id}/results",
    response_class=Response,
    responses={200: {"description": "The results as CSV", "content": {"text/csv": {}}}},
)
def batch_results(
    batch_id: str, container: ContainerDep, principal: CurrentInstitution
) -> Response:
    """CSV: row, credential_id, verification_url, wallet_url, error (once done)."""
    out = io.StringIO()
    csv.writer(out).writerows(results_table(container.batches.results(principal, batch_id)))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}.csv"'},
    )

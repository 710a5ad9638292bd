"""JSON-LD contexts at the service: microcred's at its permanent URL in what we issue and
served at /contexts/microcred/v1 as before; a credential this deployment issued with its own
old context URL keeps verifying, the same path on another host does not; an operator's
hash-pinned contexts (MICROCRED_CONTEXTS_DIR) are accepted by issuance and verification, and a
directory that does not match its pins stops the service before it starts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.container import Container
from app.settings import Secrets, Settings, SettingsError
from issuer.data_integrity import add_proof
from tests.support.api import institution
from tests.support.data import BASE_URL, HTML
from tests.support.services import store_signed
from verifier.jsonld import MICROCRED_CONTEXT_URL, bundled_context_bytes, bundled_document_loader

pytestmark = pytest.mark.anyio

V2 = "https://www.w3.org/ns/credentials/v2"
NICKNAME_CONTEXT = "https://contexts.school.example/nickname/v1"
NICKNAME = json.dumps({"@context": {"nickname": "https://contexts.school.example/vocab#nickname"}})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The service with an operator's directory holding one pinned context."""
    folder = tmp_path / "contexts"
    folder.mkdir()
    (folder / "nickname.jsonld").write_text(NICKNAME, encoding="utf-8")
    digest = hashlib.sha256(NICKNAME.encode()).hexdigest()
    index = {NICKNAME_CONTEXT: {"file": "nickname.jsonld", "sha256": digest}}
    (folder / "index.json").write_text(json.dumps(index), encoding="utf-8")
    return Settings(data_dir=tmp_path, base_url=BASE_URL, env="development", contexts_dir=folder)


def credential(did: str, context: str, **extra: Any) -> dict[str, Any]:
    return {
        "@context": [V2, context],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:learner", **extra},
    }


async def test_the_context_is_served_at_its_old_path_with_the_bundled_bytes(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/contexts/microcred/v1")
    assert r.status_code == 200
    assert r.content == bundled_context_bytes(MICROCRED_CONTEXT_URL)


async def test_an_old_url_credential_of_this_deployment_keeps_verifying(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    inst, _ = await institution(client, admin_headers)
    old = credential(inst["did"], f"{BASE_URL}/contexts/microcred/v1", fullName={"en": "Ana"})
    issued = store_signed(container, "ts-lj", old)
    body = {"verifiableCredential": json.loads(issued.credential_json)}
    r = await client.post("/credentials/verify", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["verified"] is True
    page = await client.get(issued.verification_url.removeprefix(BASE_URL), headers=HTML)
    assert 'data-verdict="valid"' in page.text


async def test_our_context_path_on_another_host_is_an_unknown_context(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    inst, _ = await institution(client, admin_headers)
    evil = "https://contexts.evil.example/contexts/microcred/v1"
    their_loader = bundled_document_loader({evil: json.loads(container.microcred_context)})
    with container.uow(read_only=True) as uow:
        row = uow.institutions.by_slug("ts-lj")
        assert row is not None
        signer = container.signing_keys.active_signer(uow, row)
    document = credential(inst["did"], evil, fullName={"en": "Ana"})
    signed = add_proof(document, signer, created=container.clock(), loader=their_loader)
    r = await client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert r.status_code == 422, r.text
    assert r.json()["verified"] is False
    codes = {(e.get("check"), e.get("code")) for e in r.json()["errors"]}
    assert ("proof", "unknown_context") in codes, r.json()


async def test_an_operators_pinned_context_is_accepted_to_issue_and_verify(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inst, headers = await institution(client, admin_headers)
    body = {"credential": credential(inst["did"], NICKNAME_CONTEXT, nickname="Ana")}
    r = await client.post("/credentials/issue", json=body, headers=headers)
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    r = await client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert r.status_code == 200, r.text
    # A context nobody pinned is still refused.
    body = {"credential": credential(inst["did"], "https://contexts.school.example/other/v1")}
    r = await client.post("/credentials/issue", json=body, headers=headers)
    assert r.status_code == 422, r.text


def test_a_directory_that_does_not_match_its_pins_stops_the_service(
    settings: Settings, secrets: Secrets, session_factory: sessionmaker[Session]
) -> None:
    assert settings.contexts_dir is not None
    (settings.contexts_dir / "nickname.jsonld").write_text(NICKNAME + " ", encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        Container(settings, secrets, session_factory)
    message = str(info.value)
    assert message.startswith("MICROCRED_CONTEXTS_DIR: ")
    assert "nickname.jsonld" in message and "not the pinned" in message

"""Cross-implementation, both ways, for what issue 12 added to Data Integrity: Digital Bazaar's
libraries sign JCS, P-384, ES384 (``jose``), proof sets and proof chains now, and microcred
verifies them; Digital Bazaar verifies the JCS and P-384 proofs microcred's issuer code makes;
and the microcred context: its permanent URL, a deployment's own old URL (fetched from the live
server by Digital Bazaar, known to our verifier), the same path on another host refused by both.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

import keys
from issuer.data_integrity import add_proof
from tests.interop import harness
from tests.support.corpus import FakeFetcher
from tests.support.live import MICROCRED, Live, bearer
from verifier import DidResolver, verify_credential
from verifier.jsonld import MICROCRED_CONTEXT_URL, bundled_context_bytes, bundled_document_loader

pytestmark = pytest.mark.e2e

V2 = "https://www.w3.org/ns/credentials/v2"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
OUR_CONTEXT = json.loads(bundled_context_bytes(MICROCRED_CONTEXT_URL))


def unsigned(context: str | None = None) -> dict[str, Any]:
    subject: dict[str, Any] = {"id": "did:example:learner", "name": "Ana Horvat"}
    if context is not None:
        subject = {"id": "did:example:learner", "fullName": {"en": "Ana Horvat"}}
    return {
        "@context": [V2, *([context] if context else [])],
        "id": "urn:uuid:9b0d5cc8-3c2e-4d0e-9a55-2f3a7c8f1e03",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:replaced",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": subject,
    }


def did_key_signer(key_type: str) -> keys.LocalSigner:
    master = os.urandom(32)
    sealed = keys.generate_sealed_key(key_type, master, b"row")
    multibase = sealed.public_key.multibase
    return keys.open_signer(sealed.sealed, master, b"row", f"did:key:{multibase}#{multibase}")


def ours(key_type: str, *, jcs: bool, context: str | None = None, loader: Any = None) -> Any:
    signer = did_key_signer(key_type)
    document = {**unsigned(context), "issuer": signer.id.partition("#")[0]}
    return add_proof(
        document, signer, created=CREATED, loader=loader or bundled_document_loader(), jcs=jcs
    )


def step(key: str, suite: str, day: int, **extra: Any) -> dict[str, Any]:
    """One proof of a sign_di.mjs job, made on 2026-01-<day>."""
    return {"key": key, "cryptosuite": suite, "created": f"2026-01-0{day}T00:00:00Z", **extra}


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    harness.ensure_installed()


def test_digital_bazaar_signs_sets_chains_jcs_and_p384_and_we_verify_them() -> None:
    seeds = {"ed": bytes(range(1, 33)).hex(), "p256": bytes(range(33, 65)).hex(),
             "p384": bytes(range(65, 113)).hex(), "w": bytes(range(3, 35)).hex()}  # fmt: skip
    job_keys = {
        "issuer-1": {"type": "ed25519", "seed": seeds["ed"], "did": "did:web:issuer.example",
                     "fragment": "key-1"},
        "issuer-2": {"type": "p384", "seed": seeds["p384"], "did": "did:web:issuer.example",
                     "fragment": "key-2"},
        "p384": {"type": "p384", "seed": seeds["p384"]},
        "witness": {"type": "p256", "seed": seeds["p256"]},
    }  # fmt: skip
    jobs = {
        "set": [
            step("issuer-1", "eddsa-jcs-2022", 1),
            step("issuer-2", "ecdsa-rdfc-2019", 1),
            step("witness", "ecdsa-jcs-2019", 2),
        ],
        "chain": [
            step("issuer-1", "eddsa-rdfc-2022", 1, id="urn:uuid:a"),
            step("witness", "ecdsa-rdfc-2019", 2, id="urn:uuid:b", previousProof="urn:uuid:a"),
            step("issuer-2", "ecdsa-jcs-2019", 3, previousProof=["urn:uuid:a", "urn:uuid:b"]),
        ],
    }
    fetcher = FakeFetcher()
    signed: dict[str, Any] = {}
    for name, proofs in jobs.items():
        job = {"credential": unsigned(), "keys": job_keys, "issuer": "issuer-1", "proofs": proofs}
        out = harness.node_sign_di(job)
        for did, document in out["didDocuments"].items():
            fetcher.put(keys.did_web_url(did), document)
        signed[name] = out["credential"]
    for suite in ("ecdsa-jcs-2019", "ecdsa-rdfc-2019"):
        job = {"credential": unsigned(), "keys": job_keys, "issuer": "p384",
               "proofs": [step("p384", suite, 1)]}  # fmt: skip
        signed[f"p384 {suite}"] = harness.node_sign_di(job)["credential"]
    job = {"credential": unsigned(), "keys": job_keys, "issuer": "p384", "jwt": "p384"}
    signed["es384"] = harness.node_sign_di(job)["credential"]

    for name, credential in signed.items():
        result = verify_credential(credential, resolver=DidResolver(fetcher), now=NOW)
        assert result.verified, (name, [c for c in result.checks if c.failed])

    # One proof of the set altered: Digital Bazaar's verifier still says yes (one proof that
    # verifies is enough for the library); ours says no (every proof must verify).
    altered = json.loads(json.dumps(signed["set"]))
    value = altered["proof"][2]["proofValue"]
    altered["proof"][2]["proofValue"] = value[:20] + ("A" if value[20] != "A" else "B") + value[21:]
    ours_says = verify_credential(altered, resolver=DidResolver(fetcher), now=NOW)
    assert ours_says.check("proof").code == "signature_invalid"  # type: ignore[union-attr]
    # The chain without its first proof: the proofs that name it fail.
    broken = json.loads(json.dumps(signed["chain"]))
    broken["proof"] = broken["proof"][1:]
    result = verify_credential(broken, resolver=DidResolver(fetcher), now=NOW)
    assert result.check("proof").code == "previous_proof_missing"  # type: ignore[union-attr]


def test_digital_bazaar_verifies_our_jcs_and_p384_proofs() -> None:
    credentials = [
        ours(keys.ED25519, jcs=True),
        ours(keys.P256, jcs=True),
        ours(keys.P384, jcs=True),
        ours(keys.P384, jcs=False),
        ours(keys.ED25519, jcs=True, context=MICROCRED_CONTEXT_URL),
    ]
    results = harness.node_verify_di(credentials)
    for result, credential in zip(results, credentials, strict=True):
        assert result["verified"], (result, credential["proof"]["cryptosuite"])
    tampered = json.loads(json.dumps(credentials[2]))
    tampered["credentialSubject"]["name"] = "Someone Else"
    assert not harness.node_verify_di([tampered])[0]["verified"]


def microcred_verify(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MICROCRED, "verify", "--json", "--now", "2026-06-01T00:00:00Z", str(path)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_a_deployments_old_context_url_verifies_there_and_in_digital_bazaars_verifier(
    live: Live, tmp_path: Path
) -> None:
    live.prepare_database()
    live.start()
    api_key = live.institution("old-url", "Srednja škola", "ME", did_method="key")
    did = httpx.get(f"{live.url}/api/v1/institutions/old-url", headers=bearer(api_key)).json()[
        "did"
    ]
    old_url = f"{live.url}/contexts/microcred/v1"
    body = {"credential": {**unsigned(old_url), "issuer": did}}
    issued = httpx.post(
        f"{live.url}/credentials/issue", json=body, headers=bearer(api_key), timeout=30
    )
    assert issued.status_code == 201, issued.text
    credential = issued.json()["verifiableCredential"]
    assert credential["@context"][1] == old_url
    # Digital Bazaar fetches the context from the deployment (the host is allowed) ...
    [db] = harness.node_verify_di([credential], allow_hosts=[f"127.0.0.1:{live.port}"])
    assert db["verified"], db
    # ... we know it as the deployment's own: the VC API and `microcred verify` agree.
    r = httpx.post(f"{live.url}/credentials/verify", json={"verifiableCredential": credential})
    assert r.status_code == 200 and r.json()["verified"], r.text
    path = tmp_path / "old.json"
    path.write_text(json.dumps(credential), encoding="utf-8")
    result = microcred_verify(path, live.env)
    assert result.returncode == 0, result.stdout + result.stderr

    # The same path on another host is not our context: both verifiers refuse it.
    evil = "https://contexts.evil.example/contexts/microcred/v1"
    foreign = ours(keys.ED25519, jcs=False, context=evil,
                   loader=bundled_document_loader({evil: OUR_CONTEXT}))  # fmt: skip
    [db] = harness.node_verify_di([foreign], allow_hosts=[f"127.0.0.1:{live.port}"])
    assert not db["verified"]
    path.write_text(json.dumps(foreign), encoding="utf-8")
    result = microcred_verify(path, live.env)
    assert result.returncode == 1
    proof = next(c for c in json.loads(result.stdout)["results"] if c["name"] == "proof")
    assert proof["code"] == "unknown_context"


def test_serve_refuses_a_context_directory_whose_pins_do_not_match(tmp_path: Path) -> None:
    folder = tmp_path / "contexts"
    folder.mkdir()
    (folder / "c.jsonld").write_text('{"@context": {"a": "urn:a"}}', encoding="utf-8")
    index = {"https://contexts.school.example/c/v1": {"file": "c.jsonld", "sha256": "0" * 64}}
    (folder / "index.json").write_text(json.dumps(index), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROCRED_")}
    env.update(MICROCRED_DATA_DIR=str(tmp_path / "var"), MICROCRED_CONTEXTS_DIR=str(folder))
    result = subprocess.run(
        [MICROCRED, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "MICROCRED_CONTEXTS_DIR" in result.stderr and "c.jsonld" in result.stderr
    assert "not the pinned" in result.stderr
    assert not (tmp_path / "var").exists()  # nothing was made

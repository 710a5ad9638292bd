"""Benchmark: a credential into a wallet through OpenID4VCI (the pre-authorized code flow).

Prints, in one run:

- in-process, interleaved in short rounds (each scenario's best round): checking a wallet's
  key proof (``verify_key_proof``: an Ed25519 JWT), signing the holder-bound ``ldp_vc`` (the
  stored credential with the holder's DID, ``add_proof``), making the SD-JWT VC of the stored
  credential (its claims, the disclosures, the JWS) and verifying it offline (no status list),
  each as a ratio to raw Ed25519 signing and to ``add_proof`` of the same credential (what an
  ordinary issuance signs);
- end to end against a live ``microcred serve`` (SQLite; PostgreSQL too with ``--postgres``):
  whole wallet flows/s (the institution's ``POST .../offer``, then what a wallet sends: the
  offer at its ``credential_offer_uri``, the token, a nonce and the credential with a fresh
  key proof: five requests), with ``--concurrency`` flows at once, as a ratio to plain
  issuance/s (``POST /api/v1/credentials``) on the same server in the same run. A flow
  issues a credential too, so the ratio says what the wallet's four extra round trips cost.

    .venv/bin/python bench/wallet.py [--flows 200] [--concurrency 8]
                                     [--postgres postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ed25519
from harness import (
    async_client,
    best_rates,
    create_course,
    credential_request,
    database,
    databases,
    div,
    live_server,
    print_notes,
    sample_credential,
)

import keys
from app.services.openid4vci import PRE_AUTHORIZED_GRANT, holder_bound_document
from issuer.data_integrity import add_proof
from issuer.sd_jwt import issue_sd_jwt_vc, sd_jwt_vc_claims
from issuer.sd_jwt_vc import SELECTIVELY_DISCLOSABLE, micro_credential_claims
from verifier.did_resolution import DidResolver
from verifier.jsonld import bundled_document_loader
from verifier.key_proof import verify_key_proof
from verifier.sd_jwt_vc import verify_sd_jwt_vc

CONFIGURATION = "MicroCredential_ldp_vc"
AUDIENCE = "http://127.0.0.1:8000/institutions/ts-lj"


def holder_proof(private: ed25519.Ed25519PrivateKey, audience: str, nonce: str) -> str:
    public = keys.PublicKey(keys.ED25519, private.public_key().public_bytes_raw())
    return jwt.encode(
        {"aud": audience, "iat": int(time.time()), "nonce": nonce},
        private,
        algorithm="EdDSA",
        headers={"typ": "openid4vci-proof+jwt", "jwk": keys.public_jwk(public)},
    )


def in_process(rounds: int, seconds: float) -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    public = keys.PublicKey(keys.ED25519, private.public_key().public_bytes_raw())
    issuer = keys.did_key(public)
    signer = keys.LocalSigner(f"{issuer}#{issuer.removeprefix('did:key:')}", private, public)
    loader = bundled_document_loader()
    now = datetime.now(UTC)
    document = sample_credential("http://127.0.0.1:8000", issuer, now)
    signed = json.dumps(add_proof(document, signer, created=now, loader=loader)).encode()
    holder = ed25519.Ed25519PrivateKey.generate()
    proof = holder_proof(holder, AUDIENCE, "n-1")
    raw_key = ed25519.Ed25519PrivateKey.generate()
    message = b"x" * 64
    did = keys.did_key(keys.PublicKey(keys.ED25519, holder.public_key().public_bytes_raw()))

    registered = sd_jwt_vc_claims(
        issuer=issuer, vct="http://127.0.0.1:8000/vct/micro-credential", issued_at=now,
        holder_jwk=keys.public_jwk(
            keys.PublicKey(keys.ED25519, holder.public_key().public_bytes_raw())
        ),
    )  # fmt: skip

    def sd_jwt_vc() -> str:
        claims = micro_credential_claims(json.loads(signed))
        return issue_sd_jwt_vc(registered, claims, SELECTIVELY_DISCLOSABLE, signer)

    token = sd_jwt_vc()
    resolver = DidResolver()

    def sd_jwt_vc_verified() -> None:
        result = verify_sd_jwt_vc(
            token, resolver=resolver, fetcher=None, now=datetime.now(UTC),
            clock_skew=timedelta(minutes=5), algorithms=("EdDSA",),
        )  # fmt: skip
        assert next(c for c in result.checks if c.name == "proof").passed, result

    rates = best_rates(
        {
            "raw Ed25519 signing": lambda: raw_key.sign(message),
            "add_proof (an issuance's signature)": lambda: add_proof(
                document, signer, created=now, loader=loader
            ),
            "key proof checked": lambda: verify_key_proof(
                proof, audience=AUDIENCE, nonce_valid=lambda n: True, now=datetime.now(UTC)
            ),
            "holder-bound ldp_vc signed": lambda: add_proof(
                holder_bound_document(signed, did), signer, created=now, loader=loader
            ),
            "SD-JWT VC signed (claims + disclosures)": sd_jwt_vc,
            "SD-JWT VC verified (offline, no status)": sd_jwt_vc_verified,
        },
        rounds,
        seconds,
    )
    raw = rates["raw Ed25519 signing"]
    reference = rates["add_proof (an issuance's signature)"]
    print("in-process (best of interleaved rounds)")
    for name, value in rates.items():
        print(
            f"  {name:40} {value:10.0f}/s  {div(value, raw):6.3f}x raw Ed25519"
            f"  {div(value, reference):6.2f}x add_proof"
        )


async def one_flow(client: httpx.AsyncClient, headers: dict[str, str], credential_id: str) -> None:
    r = await client.post(f"/api/v1/credentials/{credential_id}/offer", headers=headers)
    assert r.status_code == 201, r.text
    offer_uri = r.json()["credential_offer_uri"]
    offer = (await client.get(offer_uri)).json()
    issuer = offer["credential_issuer"]
    code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    r = await client.post(
        f"{issuer}/openid4vci/token",
        data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code},
    )
    assert r.status_code == 200, r.text
    access_token = r.json()["access_token"]
    nonce = (await client.post(f"{issuer}/openid4vci/nonce")).json()["c_nonce"]
    proof = holder_proof(ed25519.Ed25519PrivateKey.generate(), issuer, nonce)
    r = await client.post(
        f"{issuer}/openid4vci/credential",
        json={"credential_configuration_id": CONFIGURATION, "proofs": {"jwt": [proof]}},
        headers={"Authorization": f"Bearer {access_token}"},
    )
    assert r.status_code == 200, r.text


async def run_many(count: int, concurrency: int, job: Any) -> float:
    """``job(i)`` for i < count, ``concurrency`` at once; the rate per second."""
    queue = list(range(count))

    async def worker() -> None:
        while queue:
            await job(queue.pop())

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - start)


async def measure(served: Any, flows: int, concurrency: int) -> tuple[float, float]:
    async with async_client(served, concurrency) as client:
        api_key, achievement_id = await create_course(client, served)
        headers = {"Authorization": f"Bearer {api_key}"}
        body = credential_request(achievement_id)
        ids: list[str] = []

        async def issue(_: int) -> None:
            r = await client.post("/api/v1/credentials", json=body, headers=headers)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])

        await issue(0)  # warm
        issued = await run_many(flows, concurrency, issue)
        targets = list(ids)

        async def flow(i: int) -> None:
            await one_flow(client, headers, targets[i])

        await flow(len(targets) - 1)  # warm
        delivered = await run_many(flows, concurrency, flow)
    return issued, delivered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--postgres", help="also against PostgreSQL (an admin URL)")
    args = parser.parse_args()
    in_process(args.rounds, args.seconds)
    for name, admin_url in databases(args.postgres):
        with (
            database(admin_url) as url,
            live_server(time.monotonic() + 600, database_url=url) as served,
        ):
            issued, delivered = asyncio.run(measure(served, args.flows, args.concurrency))
        print(
            f"end to end on {name} ({args.flows} each, {args.concurrency} at once): "
            f"issuance {issued:6.1f}/s, wallet flow {delivered:6.1f}/s = "
            f"{div(delivered, issued):.2f}x issuance"
        )
    print_notes(
        "A wallet flow is five requests (offer, credential offer, token, nonce, credential) and "
        "one more signature than the issuance it follows; both run on the same server in the "
        "same run, one after the other."
    )


if __name__ == "__main__":
    main()

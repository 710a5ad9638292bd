"""SD-JWT VC over HTTP: the credential's SD-JWT VC, the Token Status List that follows the same
revocation and suspension state as the Bitstring lists, the issuer metadata and the type
metadata."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import keys
from app.container import Container
from issuer.vc_jose import sign_compact_jws
from tests.support.api import issue_some
from tests.support.corpus import signer
from verifier.base64url import b64url_encode, compact_json
from verifier.sd_jwt import (
    parse_disclosure,
    process_disclosures,
    sd_hash,
    split_sd_jwt,
    verify_jws_signature,
)
from verifier.token_status_list import parse_status_list_token

pytestmark = pytest.mark.anyio
ALGS = ("EdDSA", "ES256", "ES384")


async def sd_jwt_of(
    client: httpx.AsyncClient, headers: dict[str, str], issued: dict[str, Any]
) -> str:
    r = await client.get(f"/api/v1/credentials/{issued['id']}/sd-jwt", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/dc+sd-jwt"
    return r.text


async def token_status(client: httpx.AsyncClient, reference: dict[str, Any]) -> int:
    r = await client.get(reference["uri"], headers={"Accept": "application/statuslist+jwt"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/statuslist+jwt"
    token = parse_status_list_token(r.text, uri=reference["uri"])
    return token.status(reference["idx"])


async def test_the_sd_jwt_vc_of_a_credential(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    inst, headers, [issued] = await issue_some(client, admin_headers)
    text = await sd_jwt_of(client, headers, issued)
    sd_jwt = split_sd_jwt(text)
    assert text.endswith("~") and sd_jwt.kb_jwt is None
    header, payload = sd_jwt.jws.header, sd_jwt.jws.payload
    assert header["typ"] == "dc+sd-jwt" and header["kid"] == f"{inst['did']}#key-1"
    assert payload["iss"] == "http://127.0.0.1:8000/institutions/ts-lj"
    assert payload["vct"] == "http://127.0.0.1:8000/vct/micro-credential"
    assert "cnf" not in payload and {"iat", "nbf"} <= set(payload)
    reference = payload["status"]["status_list"]
    revocation = next(e for e in issued["credential"]["credentialStatus"]
                      if e["statusPurpose"] == "revocation")  # fmt: skip
    assert reference["idx"] == int(revocation["statusListIndex"])
    assert reference["uri"] == revocation["statusListCredential"] + "/token"
    for hidden in ("given_name", "family_name", "birthdate", "grade"):
        assert hidden not in payload
    assert "title" in payload and "learning_outcomes" in payload
    # The key: from the JWT VC Issuer Metadata of iss.
    r = await client.get("/.well-known/jwt-vc-issuer/institutions/ts-lj")
    assert r.status_code == 200
    metadata = r.json()
    assert metadata["issuer"] == payload["iss"]
    [jwk] = [k for k in metadata["jwks"]["keys"] if k["kid"] == header["kid"]]
    public = keys.public_key_from_jwk(
        {k: v for k, v in jwk.items() if k not in ("kid", "alg", "use")}
    )
    verify_jws_signature(sd_jwt.jws, public, ALGS)
    claims = process_disclosures(payload, sd_jwt.disclosures).claims
    assert claims["given_name"] and claims["family_name"]
    assert (await client.get("/.well-known/jwt-vc-issuer/institutions/nobody")).status_code == 404
    other = await client.get(f"/api/v1/credentials/{issued['id']}/sd-jwt")
    assert other.status_code == 401
    for bad in ({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}, {"kty": "RSA"},
                {**keys.public_jwk(public), "d": "secret"}):  # fmt: skip
        r = await client.post(f"/api/v1/credentials/{issued['id']}/sd-jwt",
                              json={"holder_jwk": bad}, headers=headers)  # fmt: skip
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert "jwk" in r.text


async def test_one_revocation_or_suspension_shows_in_the_token_status_list(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers, [first, second] = await issue_some(client, admin_headers, n=2)
    ref1 = split_sd_jwt(await sd_jwt_of(client, headers, first)).jws.payload["status"][
        "status_list"
    ]
    ref2 = split_sd_jwt(await sd_jwt_of(client, headers, second)).jws.payload["status"][
        "status_list"
    ]
    assert ref1["uri"] == ref2["uri"] and ref1["idx"] != ref2["idx"]
    assert await token_status(client, ref1) == 0
    first_fetch = await client.get(ref1["uri"])
    etag = first_fetch.headers["etag"]
    assert first_fetch.headers["cache-control"] == "public, max-age=60"
    assert (await client.get(ref1["uri"])).content == first_fetch.content  # not signed again
    assert (await client.get(ref1["uri"], headers={"If-None-Match": etag})).status_code == 304

    base = f"/api/v1/credentials/{first['id']}"
    assert (await client.post(f"{base}/suspend", headers=headers)).status_code == 200
    assert await token_status(client, ref1) == 2
    assert await token_status(client, ref2) == 0
    r = await client.get(ref1["uri"], headers={"If-None-Match": etag})
    assert r.status_code == 200 and r.headers["etag"] != etag
    assert (await client.post(f"{base}/reinstate", headers=headers)).status_code == 200
    assert await token_status(client, ref1) == 0
    assert (await client.post(f"{base}/revoke", headers=headers)).status_code == 200
    assert await token_status(client, ref1) == 1
    assert await token_status(client, ref2) == 0
    # The Bitstring list and the token list are one state.
    suspension = next(e for e in first["credential"]["credentialStatus"]
                      if e["statusPurpose"] == "suspension")  # fmt: skip
    r = await client.get(suspension["statusListCredential"] + "/token")
    assert r.status_code == 404  # a suspension list has no token form


async def test_the_type_metadata(client: httpx.AsyncClient) -> None:
    r = await client.get("/vct/micro-credential")
    assert r.status_code == 200
    metadata = r.json()
    assert metadata["vct"] == "http://127.0.0.1:8000/vct/micro-credential"
    locales = [d["locale"] for d in metadata["display"]]
    assert locales == ["en", "sl", "hr", "sr-Latn", "sr-Cyrl", "bs", "cnr"]
    labels = {c["path"][0]: {d["locale"]: d["label"] for d in c["display"]}
              for c in metadata["claims"]}  # fmt: skip
    assert labels["family_name"]["sl"] == "Priimek"
    assert labels["given_name"]["sr-Cyrl"] == "Име"
    sd = {c["path"][0]: c["sd"] for c in metadata["claims"]}
    assert sd["birthdate"] == "always" and sd["title"] == "never"


def present(sd_jwt_vc: str, holder: keys.Signer, keep: tuple[str, ...], **kb: Any) -> str:
    """A presentation of ``sd_jwt_vc`` with the disclosures of ``keep`` and a KB-JWT."""
    jwt, *disclosures = sd_jwt_vc.split("~")[:-1]
    kept = [d for d in disclosures if parse_disclosure(d).name in keep]
    presented = "~".join([jwt, *kept]) + "~"
    claims = {"aud": "https://employer.example", "nonce": "n-1", "sd_hash": sd_hash(presented),
              **kb}  # fmt: skip
    return presented + sign_compact_jws({"typ": "kb+jwt"}, claims, holder)


async def test_verify_an_sd_jwt_vc_and_a_presentation_over_the_vc_api(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    _, headers, [issued] = await issue_some(client, admin_headers)
    text = await sd_jwt_of(client, headers, issued)
    r = await client.post("/credentials/verify", json={"verifiableCredential": text})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verdict"] == "valid" and body["format"] == "dc+sd-jwt"
    assert body["trusted"] is True and body["credential"]["given_name"]
    # The holder-bound form the OpenID4VCI credential endpoint makes, presented with a subset.
    holder = signer(keys.P256, "holder")
    with container.uow(read_only=True) as uow:
        row = uow.credentials.get(issued_institution(uow), issued["id"])
        assert row is not None
        bound = container.sd_jwt_vc.sign(uow, row, keys.public_jwk(holder.public_key))
    now = int(container.clock().timestamp())
    presented = present(bound, holder, ("given_name",), iat=now)
    options = {"challenge": "n-1", "domain": "https://employer.example"}
    r = await client.post("/credentials/verify",
                          json={"verifiableCredential": presented, "options": options})  # fmt: skip
    assert r.status_code == 200, r.text
    format_data = r.json()["results"][0]["data"]
    withheld = bound.count("~") - 2  # every disclosure but given_name's
    assert format_data["disclosed"] == ["given_name"] and format_data["withheld"] == withheld
    other = {"verifiableCredential": presented, "options": {**options, "challenge": "other"}}
    r = await client.post("/credentials/verify", json=other)
    assert r.status_code == 422 and r.json()["verdict"] == "not_genuine"
    # Revoked: the same answer for the SD-JWT VC.
    assert (await client.post(f"/api/v1/credentials/{issued['id']}/revoke",
                              headers=headers)).status_code == 200  # fmt: skip
    r = await client.post("/credentials/verify", json={"verifiableCredential": text})
    assert r.status_code == 422 and r.json()["verdict"] == "revoked"
    for bad in ("abc~", "a.b.c~d~", "~"):
        r = await client.post("/credentials/verify", json={"verifiableCredential": bad})
        assert r.status_code in (400, 422), (bad, r.text)


def issued_institution(uow: Any) -> int:
    institution = uow.institutions.by_slug("ts-lj")
    assert institution is not None
    return int(institution.id)


async def test_the_verify_page_shows_the_disclosed_claims(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers, [issued] = await issue_some(client, admin_headers)
    text = await sd_jwt_of(client, headers, issued)
    jwt, *disclosures = text.split("~")[:-1]
    names = [d for d in disclosures if parse_disclosure(d).name in ("given_name", "family_name")]
    only_names = "~".join([jwt, *names]) + "~"
    r = await client.post("/verify?lang=sl", data={"credential": only_names})
    assert r.status_code == 200, r.text
    assert 'data-verdict="valid"' in r.text
    assert "3D" in r.text or "Ana" in r.text
    withheld = len(disclosures) - len(names)
    assert f'data-withheld="{withheld}"' in r.text and "ki jih imetnik ni želel pokazati" in r.text
    assert "Razkriti podatki (SD-JWT VC)" in r.text
    r = await client.post("/verify", data={"credential": "eyJhbGciOiJFZERTQSJ9.e30.~x~"})
    assert r.status_code == 200 and 'data-verdict="unreadable"' in r.text
    jwt, _, *rest = text.split("~")
    eve = b64url_encode(compact_json(["salt", "given_name", "Eve"]))
    forged = "~".join([jwt, eve, *rest])
    r = await client.post("/verify", data={"credential": forged})
    assert r.status_code == 200 and 'data-verdict="not_genuine"' in r.text

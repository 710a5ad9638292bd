"""``python -m verifier``: files, standard input and URLs; the summary, --json, exit codes."""

from __future__ import annotations

import base64
import io
import json
import runpy
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.support.corpus import FIXTURES
from tests.support.presentations import (
    CHALLENGE,
    DOMAIN,
    did_of,
    holder,
    presentation,
    sign_presentation,
)
from verifier.cli import main
from verifier.verify import CREDENTIAL_ACCEPT

INDEPENDENT = json.loads((FIXTURES / "digital-bazaar.json").read_text(encoding="utf-8"))
NOW = ["--now", "2026-06-01T00:00:00Z"]


@pytest.fixture
def credential_file(tmp_path: Path) -> Path:
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(INDEPENDENT["ed25519-di"]), encoding="utf-8")
    return path


def test_a_valid_credential_exits_0_with_the_verdict_first(
    credential_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(credential_file), *NOW]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "VERIFIED: valid"
    assert "✓ proof: eddsa-rdfc-2022 proof verifies" in lines
    assert "\u2013 trust: no list of trusted issuers is configured" in lines


def test_a_tampered_credential_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tampered = {**INDEPENDENT["ed25519-di"], "validFrom": "2025-01-01T00:00:00Z"}
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(tampered), encoding="utf-8")
    assert main([str(path), *NOW]) == 1
    out = capsys.readouterr().out
    assert out.startswith("NOT VERIFIED: not_genuine")
    assert "✗ proof: signature_invalid: " in out


def test_json_trust_and_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = INDEPENDENT["p256-jwt"]
    issuer = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["issuer"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(token.encode())))
    assert main(["-", "--json", "--trust", "did:example:someone", "--trust", issuer, *NOW]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["verified"] and result["format"] == "vc+jwt"
    assert "trust" in result["checks"]
    assert result["trusted"] is True


def test_trust_decides_the_exit_status_only_with_require_trusted(
    credential_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = ["--trust", "did:example:someone"]
    assert main([str(credential_file), "--json", *other, *NOW]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["verified"] is True and result["trusted"] is False
    assert result["verdict"] == "untrusted" and result["warnings"][0]["code"] == "untrusted_issuer"
    assert main([str(credential_file), *other, "--require-trusted", *NOW]) == 1
    out = capsys.readouterr().out
    assert out.startswith("NOT VERIFIED: untrusted")
    assert "! trust: " in out
    issuer = INDEPENDENT["ed25519-di"]["issuer"]
    assert main([str(credential_file), "--trust", issuer, "--require-trusted", *NOW]) == 0
    capsys.readouterr()
    # Nothing could pass: a usage error, not a silent exit 1 for every credential.
    assert main([str(credential_file), "--require-trusted", *NOW]) == 2
    assert "--require-trusted needs at least one --trust" in capsys.readouterr().err


def test_now_and_skew_decide_validity(credential_file: Path) -> None:
    assert main([str(credential_file), "--now", "2025-12-31T23:56:00Z"]) == 0  # 5 min skew
    assert main([str(credential_file), "--now", "2025-12-31T23:50:00Z"]) == 1
    assert main([str(credential_file), "--now", "2025-12-31T23:50:00Z", "--skew", "900"]) == 0


@pytest.mark.parametrize(
    "argv",
    [[], ["--bogus", "x"], ["/nonexistent/credential.json"], ["x", "--now", "yesterday"],
     ["x", "--now", "2026-01-01T00:00:00"], ["x", "--skew", "-1"], ["x", "--skew", "soon"]],
)  # fmt: skip
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage:" in capsys.readouterr().err


class _Serve(BaseHTTPRequestHandler):
    accept: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.accept.append(self.headers.get("Accept", ""))
        body = json.dumps(INDEPENDENT["ed25519-di"]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/vc+ld+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Serve)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_url_is_fetched_through_the_guarded_fetcher(
    server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://{server}/v/abc"
    assert main([url, "--allow-host", server, *NOW]) == 0
    assert _Serve.accept == [CREDENTIAL_ACCEPT]
    capsys.readouterr()
    assert main([url, *NOW]) == 1  # a private address that was not allowed
    assert "✗ format: fetch_refused: " in capsys.readouterr().out


def test_python_dash_m_verifier(
    credential_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["verifier", str(credential_file), "--json", *NOW])
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("verifier", run_name="__main__")
    assert exited.value.code == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "valid"


def _operator_context_credential(tmp_path: Path) -> tuple[Path, Path, str]:
    """A did:key credential in a context only an operator's directory has: the credential
    file, the directory, and the context URL."""
    import hashlib
    import os
    from datetime import UTC, datetime

    import keys
    from issuer.data_integrity import add_proof
    from verifier.jsonld import bundled_document_loader

    url = "https://contexts.school.example/nickname/v1"
    context = {"@context": {"nickname": "https://contexts.school.example/vocab#nickname"}}
    data = json.dumps(context).encode()
    folder = tmp_path / "contexts"
    folder.mkdir()
    (folder / "nickname.jsonld").write_bytes(data)
    index = {url: {"file": "nickname.jsonld", "sha256": hashlib.sha256(data).hexdigest()}}
    (folder / "index.json").write_text(json.dumps(index), encoding="utf-8")
    master = os.urandom(32)
    sealed = keys.generate_sealed_key(keys.ED25519, master, b"k")
    did = keys.did_key(sealed.public_key)
    signer = keys.open_signer(sealed.sealed, master, b"k", f"{did}#{sealed.public_key.multibase}")
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", url],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:learner", "nickname": "Ana"},
    }
    loader = bundled_document_loader({url: context})
    signed = add_proof(document, signer, created=datetime(2026, 1, 1, tzinfo=UTC), loader=loader)
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(signed), encoding="utf-8")
    return path, folder, url


def test_contexts_dir_adds_an_operators_pinned_contexts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, folder, url = _operator_context_credential(tmp_path)
    assert main([str(path), *NOW]) == 1
    assert "✗ proof: unknown_context: " in capsys.readouterr().out
    assert main([str(path), "--contexts-dir", str(folder), *NOW]) == 0
    context = json.loads((folder / "nickname.jsonld").read_bytes())
    assert main([str(path), *NOW], contexts={url: context}) == 0
    (folder / "nickname.jsonld").write_text("{}", encoding="utf-8")  # no longer the pinned bytes
    capsys.readouterr()
    assert main([str(path), "--contexts-dir", str(folder), *NOW]) == 2
    err = capsys.readouterr().err
    assert "--contexts-dir: " in err and "not the pinned" in err


def test_a_presentation_file_is_verified_with_its_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signer = holder()
    credentials = [INDEPENDENT["ed25519-di"], INDEPENDENT["p256-jwt"]]
    vp = sign_presentation(presentation(credentials, did_of(signer)), signer)
    path = tmp_path / "presentation.json"
    path.write_text(json.dumps(vp), encoding="utf-8")
    bound = ["--challenge", CHALLENGE, "--domain", DOMAIN]
    assert main([str(path), *bound, *NOW]) == 0
    out = capsys.readouterr().out
    assert out.startswith("VERIFIED: presentation\n  format: ldp_vp\n")
    assert "✓ challenge: " in out and "verifiableCredential[1]:\n  VERIFIED: valid" in out
    assert main([str(path), "--challenge", "another", *NOW]) == 1
    assert "✗ challenge: challenge_mismatch" in capsys.readouterr().out
    assert main([str(path), "--json", *bound, *NOW]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["verified"] is True and len(body["credentialResults"]) == 2
    tampered = {**vp, "holder": did_of(holder(seed="other"))}
    path.write_text(json.dumps(tampered), encoding="utf-8")
    assert main([str(path), *bound, *NOW]) == 1
    assert "✗ holder_key: controller_mismatch" in capsys.readouterr().out

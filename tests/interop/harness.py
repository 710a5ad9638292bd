"""Drive the independent Node verifier/signer (``verify.mjs``, ``sign.mjs``) from Python tests.

The Node side is Digital Bazaar's VC stack (Data Integrity: eddsa-rdfc-2022, ecdsa-rdfc-2019)
and ``jose`` (VC-JOSE-COSE), pinned in ``package-lock.json`` beside this file. Nothing here
imports microcred: the harness is a second opinion on what microcred produces and accepts.

- :func:`ensure_installed` runs ``npm ci`` when ``node_modules`` is missing or older than the
  lock file (CI runs ``npm ci --prefix tests/interop --no-audit --no-fund`` itself).
- :func:`node_verify` / :func:`node_verify_many` verify credentials (a dict for JSON-LD with a
  Data Integrity proof, a ``str`` for a compact JWS) and return verify.mjs's JSON result with
  ``exit_code`` added. Only the hosts in ``allow_hosts`` (``"127.0.0.1:8000"``) are fetched:
  did:web documents, JSON-LD contexts, status list credentials.
- :func:`node_canonicalize` canonicalizes JSON-LD documents with jsonld.js (RDFC-1.0, safe
  mode, ``rdfDirection`` ``i18n-datatype``, the bundled contexts of ``loader.mjs``).
- :func:`node_sign` signs an unsigned credential with a did:key (or a given DID) key pair.
- :func:`node_wallet` runs OpenWallet Foundation's OpenID4VCI client
  (``wallet_openid4vci.mjs``) through a credential offer's pre-authorized code flow.
- :func:`node_sd_jwt` runs an ``sd_jwt.mjs`` job with the OpenWallet Foundation's
  ``@sd-jwt/sd-jwt-vc``: verify an SD-JWT VC or a presentation (issuer key from the JWT VC
  Issuer Metadata, Token Status List, vct type metadata, key binding), or present one.
- :func:`node_sign_di` runs a ``sign_di.mjs`` job: the JCS suites, P-384, ES384, proof sets
  and chains; :func:`node_verify_di` verifies with Digital Bazaar's four suites (RDFC, JCS).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "INTEROP_DIR",
    "NodeHarnessError",
    "ensure_installed",
    "node_canonicalize",
    "node_sd_jwt",
    "node_sign",
    "node_sign_di",
    "node_verify",
    "node_verify_di",
    "node_verify_many",
    "node_wallet",
]

INTEROP_DIR = Path(__file__).resolve().parent
_LOCK = INTEROP_DIR / "package-lock.json"
_INSTALLED_MARKER = INTEROP_DIR / "node_modules" / ".package-lock.json"
_TIMEOUT_S = 120
_installed = False


class NodeHarnessError(RuntimeError):
    """node/npm is missing, or a script failed in a way that is not a verification result."""


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise NodeHarnessError(f"{name!r} is not on PATH; the interop harness needs Node >= 20")
    return path


def ensure_installed() -> None:
    """Install the pinned Node dependencies unless ``node_modules`` is current."""
    global _installed
    if _installed:
        return
    if not _INSTALLED_MARKER.exists() or _INSTALLED_MARKER.stat().st_mtime < _LOCK.stat().st_mtime:
        result = subprocess.run(
            [_tool("npm"), "ci", "--no-audit", "--no-fund"],
            cwd=INTEROP_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise NodeHarnessError(f"npm ci failed in {INTEROP_DIR}:\n{result.stderr}")
    _installed = True


def _run(
    script: str, args: Sequence[str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    ensure_installed()
    return subprocess.run(
        [_tool("node"), str(INTEROP_DIR / script), *args],
        cwd=INTEROP_DIR,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_S,
        check=False,
    )


def _serialise(credential: dict[str, Any] | str) -> str:
    return credential if isinstance(credential, str) else json.dumps(credential)


def node_verify_many(
    credentials: Sequence[dict[str, Any] | str], allow_hosts: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Verify several credentials with one ``node verify.mjs`` run (one result each, in order).

    Each result is ``{"verified", "format", "code", "error", "details", "exit_code"}``;
    ``exit_code`` is the run's (0 only if every credential verified).
    """
    if not credentials:
        return []
    host_args = [arg for host in allow_hosts for arg in ("--allow-host", host)]
    with tempfile.TemporaryDirectory(prefix="interop-") as tmp:
        files = []
        for i, credential in enumerate(credentials):
            path = Path(tmp) / f"input-{i}"
            path.write_text(_serialise(credential), encoding="utf-8")
            files.append(str(path))
        result = _run("verify.mjs", [*host_args, *files])
    lines = result.stdout.splitlines()
    if result.returncode not in (0, 1) or len(lines) != len(credentials):
        raise NodeHarnessError(
            f"verify.mjs exited {result.returncode} with {len(lines)} result lines for "
            f"{len(credentials)} inputs:\n{result.stdout}\n{result.stderr}"
        )
    outputs = []
    for line in lines:
        output = json.loads(line)
        output["exit_code"] = result.returncode
        outputs.append(output)
    return outputs


def node_sd_jwt(job: dict[str, Any], allow_hosts: Iterable[str] = ()) -> dict[str, Any]:
    """Run one ``sd_jwt.mjs`` job (see its header); its JSON output with ``exit_code``."""
    host_args = [arg for host in allow_hosts for arg in ("--allow-host", host)]
    result = _run("sd_jwt.mjs", host_args, stdin=json.dumps(job))
    if result.returncode not in (0, 1) or not result.stdout.strip():
        raise NodeHarnessError(
            f"sd_jwt.mjs exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    output: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    output["exit_code"] = result.returncode
    return output


def node_verify(
    credential: dict[str, Any] | str, allow_hosts: Iterable[str] = ()
) -> dict[str, Any]:
    """Verify one credential; ``exit_code`` is 0 when verified, 1 when not."""
    return node_verify_many([credential], allow_hosts)[0]


def node_sign(
    credential: dict[str, Any],
    key_type: str,
    jwt: bool = False,
    *,
    seed: bytes | None = None,
    did: str | None = None,
    key_id: str | None = None,
    did_document_out: Path | None = None,
    keep_issuer: bool = False,
    typ: str | None = None,
    created: str | None = None,
    allow_hosts: Iterable[str] = (),
) -> dict[str, Any] | str:
    """Sign ``credential`` with a fresh key pair: a Data Integrity proof (a dict) or a JWT (a str).

    ``key_type`` is ``"ed25519"`` (eddsa-rdfc-2022 / EdDSA) or ``"p256"`` (ecdsa-rdfc-2019 /
    ES256). The issuer becomes the key's did:key, or ``did`` with verification method
    ``did#key-1`` (``key_id`` changes the fragment); ``did_document_out`` receives the matching
    DID document. ``seed`` (32 bytes) makes the key deterministic.
    """
    args = ["--key-type", key_type]
    if jwt:
        args.append("--jwt")
    if seed is not None:
        args += ["--seed", seed.hex()]
    if did is not None:
        args += ["--did", did]
    if key_id is not None:
        args += ["--key-id", key_id]
    if did_document_out is not None:
        args += ["--did-document-out", str(did_document_out)]
    if keep_issuer:
        args.append("--keep-issuer")
    if typ is not None:
        args += ["--typ", typ]
    if created is not None:
        args += ["--created", created]
    for host in allow_hosts:
        args += ["--allow-host", host]
    result = _run("sign.mjs", [*args, "-"], stdin=json.dumps(credential))
    if result.returncode != 0:
        raise NodeHarnessError(f"sign.mjs exited {result.returncode}:\n{result.stderr}")
    out = result.stdout.strip()
    return out if jwt else json.loads(out)


def node_sign_di(job: dict[str, Any]) -> dict[str, Any]:
    """Run a ``sign_di.mjs sign`` job (see the script's header): ``{"credential": <signed
    credential or compact JWS>, "didDocuments": {did:web DID or issuer URL: its DID document
    or controlled identifier document}}``."""
    result = _run("sign_di.mjs", ["sign"], stdin=json.dumps(job))
    if result.returncode != 0:
        raise NodeHarnessError(f"sign_di.mjs exited {result.returncode}:\n{result.stderr}")
    output: dict[str, Any] = json.loads(result.stdout)
    return output


def node_verify_di(
    credentials: Sequence[dict[str, Any]], allow_hosts: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Verify Data Integrity credentials with ``sign_di.mjs verify`` (eddsa-rdfc-2022,
    ecdsa-rdfc-2019, eddsa-jcs-2022, ecdsa-jcs-2019; P-256 and P-384): one
    ``{"verified", "error", "results"}`` per credential, in order."""
    host_args = [arg for host in allow_hosts for arg in ("--allow-host", host)]
    with tempfile.TemporaryDirectory(prefix="interop-") as tmp:
        files = []
        for i, credential in enumerate(credentials):
            path = Path(tmp) / f"input-{i}.json"
            path.write_text(json.dumps(credential), encoding="utf-8")
            files.append(str(path))
        result = _run("sign_di.mjs", ["verify", *host_args, *files])
    lines = result.stdout.splitlines()
    if result.returncode not in (0, 1) or len(lines) != len(credentials):
        raise NodeHarnessError(
            f"sign_di.mjs verify exited {result.returncode} with {len(lines)} result lines "
            f"for {len(credentials)} inputs:\n{result.stdout}\n{result.stderr}"
        )
    return [json.loads(line) for line in lines]


def node_sign_vp(job: dict[str, Any]) -> dict[str, Any]:
    """Run a ``sign_vp.mjs sign`` job (see the script's header): ``{"presentation": <signed
    presentation or vp+jwt>, "holder": did:key}``."""
    result = _run("sign_vp.mjs", ["sign"], stdin=json.dumps(job))
    if result.returncode != 0:
        raise NodeHarnessError(f"sign_vp.mjs exited {result.returncode}:\n{result.stderr}")
    output: dict[str, Any] = json.loads(result.stdout)
    return output


def node_verify_vp(
    presentations: Sequence[dict[str, Any]], *, challenge: str, domain: str
) -> list[dict[str, Any]]:
    """Verify presentations with ``sign_vp.mjs verify`` (Digital Bazaar's ``vc.verify``, the
    given challenge and domain): one ``{"verified", "error"}`` per presentation, in order."""
    with tempfile.TemporaryDirectory(prefix="interop-") as tmp:
        files = []
        for i, presentation in enumerate(presentations):
            path = Path(tmp) / f"vp-{i}.json"
            path.write_text(json.dumps(presentation), encoding="utf-8")
            files.append(str(path))
        args = ["verify", "--challenge", challenge, "--domain", domain, *files]
        result = _run("sign_vp.mjs", args)
    lines = result.stdout.splitlines()
    if result.returncode not in (0, 1) or len(lines) != len(presentations):
        raise NodeHarnessError(
            f"sign_vp.mjs verify exited {result.returncode} with {len(lines)} result lines "
            f"for {len(presentations)} inputs:\n{result.stdout}\n{result.stderr}"
        )
    return [json.loads(line) for line in lines]


def node_canonicalize(documents: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """jsonld.js's canonical N-Quads of each document (``{"nquads": ...}``), or its refusal
    (``{"error": ...}``), in order: one ``node canonicalize.mjs`` run."""
    result = _run("canonicalize.mjs", [], stdin=json.dumps(list(documents)))
    if result.returncode != 0:
        raise NodeHarnessError(f"canonicalize.mjs exited {result.returncode}:\n{result.stderr}")
    outputs: list[dict[str, str]] = json.loads(result.stdout)
    if len(outputs) != len(documents):
        raise NodeHarnessError(f"{len(outputs)} results for {len(documents)} documents")
    return outputs


def node_wallet(
    offer_url: str,
    configurations: Sequence[str],
    *,
    tx_code: str | None = None,
    alg: str = "EdDSA",
) -> dict[str, Any]:
    """Take ``offer_url`` into OWF's ``@openid4vc/openid4vci`` client and ask for each of
    ``configurations`` with a fresh holder key proof; its JSON answer with ``exit_code``."""
    args = [offer_url, "--alg", alg, *(["--tx-code", tx_code] if tx_code else []), *configurations]
    result = _run("wallet_openid4vci.mjs", args)
    if not result.stdout.strip():
        raise NodeHarnessError(f"wallet_openid4vci.mjs failed:\n{result.stderr}")
    answer: dict[str, Any] = json.loads(result.stdout)
    answer["exit_code"] = result.returncode
    return answer

"""Benchmark: the cost of microcred's key handling against raw Ed25519 signing.

Prints, for Ed25519 and P-256: sealed-key generation/s, open-sealed-key + sign/s, and DID
document GETs/s through the ASGI app on SQLite, each with its ratio to raw signing measured
in the same run (these machines are noisy; compare ratios, not absolute numbers).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.hashes import SHA256

import keys
from app.container import Container
from app.main import create_app
from app.persistence.db import make_engine, make_session_factory, upgrade
from app.services.institutions import NewInstitution
from app.settings import Secrets, Settings


def rate(fn: Callable[[], object], seconds: float = 1.0) -> float:
    fn()
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            fn()
        n += 50
    return n / elapsed


def main() -> None:
    master = os.urandom(32)
    message = os.urandom(64)
    ed = ed25519.Ed25519PrivateKey.generate()
    p256 = ec.generate_private_key(ec.SECP256R1())
    refs = {
        keys.ED25519: rate(lambda: ed.sign(message)),
        keys.P256: rate(lambda: p256.sign(message, ec.ECDSA(SHA256()))),
    }
    print(f"{'scenario':44} {'ops/s':>10} {'ratio to raw sign':>18}")
    for key_type, ref in refs.items():
        print(f"{'raw ' + key_type + ' sign (reference)':44} {ref:10.0f} {1.0:18.2f}")
        gen = rate(lambda kt=key_type: keys.generate_sealed_key(kt, master, b"id"))
        print(f"{'generate + seal ' + key_type:44} {gen:10.0f} {gen / ref:18.2f}")
        sealed = keys.generate_sealed_key(key_type, master, b"id")
        unseal = rate(
            lambda s=sealed: keys.open_signer(s.sealed, master, b"id", "d#k").sign(message)
        )
        print(f"{'open sealed ' + key_type + ' + sign':44} {unseal:10.0f} {unseal / ref:18.2f}")

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), base_url="http://127.0.0.1:8000")
        engine = make_engine(settings.resolved_database_url)
        upgrade(engine)
        container = Container(
            settings,
            Secrets(master, "mcadm_" + secrets.token_urlsafe(32)),
            make_session_factory(engine),
            engine,
        )
        container.institutions.create(NewInstitution("b", "Bench", "SI", "1"), actor="bench")
        app = create_app(container=container)

        async def did_gets(n: int) -> float:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as c:
                await c.get("/institutions/b/did.json")
                start = time.perf_counter()
                for _ in range(n):
                    r = await c.get("/institutions/b/did.json")
                    assert r.status_code == 200
                return n / (time.perf_counter() - start)

        gets = asyncio.run(did_gets(500))
        ref = refs[keys.ED25519]
        print(f"{'GET did.json (ASGI, SQLite)':44} {gets:10.0f} {gets / ref:18.4f}")
        engine.dispose()


if __name__ == "__main__":
    main()

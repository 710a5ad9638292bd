"""The README's curl walk-through runs as pasted: every ``curl`` of its ``sh`` blocks, in order,
expanded by bash as a reader's shell would, then sent through the ASGI app. The ``NAME=…``
lines a reader fills in from an answer are filled from that answer (``KEY``: the institution's
``api_key``; ``ACHIEVEMENT_ID``, ``CREDENTIAL_ID``, ``BATCH_ID``: the ``id`` returned), and
bash runs with ``set -u``: a variable used before its line fails. Every command succeeds, with
the status its ``# -> NNN`` comment names when it has one."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.container import Container
from tests.support.data import BASE_URL

README = Path(__file__).resolve().parents[2] / "README.md"
_SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
_HEREDOC = re.compile(r"^cat > (\S+) <<'(\w+)'$")
_EXPECTED = re.compile(r"^# -> (\d{3})\b")
_ASSIGNMENT = re.compile(r"^([A-Z_]+)=")
# Which variable is filled from which answer: (method, path) -> (variable, JSON member).
_FILLED_FROM = {
    ("POST", "/api/v1/institutions"): ("KEY", "api_key"),
    ("POST", "/api/v1/achievements"): ("ACHIEVEMENT_ID", "id"),
    ("POST", "/api/v1/credentials"): ("CREDENTIAL_ID", "id"),
    ("POST", "/api/v1/batches"): ("BATCH_ID", "id"),
}


@dataclass
class Step:
    """One line or command of a block: a curl command, a ``NAME=…`` line, or a file."""

    kind: str  # "curl", "set" or "file"
    text: str
    expected: int | None = None


def readme_steps() -> list[Step]:
    steps: list[Step] = []
    for block in _SH_BLOCK.findall(README.read_text(encoding="utf-8")):
        lines = iter(block.splitlines())
        pending = ""
        for line in lines:
            if heredoc := _HEREDOC.match(line):
                name, end = heredoc.groups()
                rows = "".join(f"{row}\n" for row in iter(lines.__next__, end))
                steps.append(Step("file", json.dumps([name, rows])))
                continue
            if (expected := _EXPECTED.match(line.strip())) and not pending:
                if steps and steps[-1].kind == "curl" and steps[-1].expected is None:
                    steps[-1].expected = int(expected.group(1))
                continue
            pending += line + "\n"
            if line.endswith("\\"):  # continued on the next line
                continue
            try:
                argv = shlex.split(pending, comments=True)
            except ValueError:  # a quoted body goes on on the next line
                continue
            command, pending = pending, ""
            if argv and argv[0] == "curl":
                steps.append(Step("curl", command))
            elif argv and (assignment := _ASSIGNMENT.match(argv[0])):
                steps.append(Step("set", assignment.group(1)))
    return steps


def _argv(command: str, env: dict[str, str], cwd: Path) -> list[str]:
    """``command``'s arguments after bash's expansion (curl itself replaced by a printer)."""
    script = f'set -u\ncurl() {{ printf "%s\\0" "$@"; }}\n{command}'
    done = subprocess.run(
        ["bash", "-c", script], env=env, cwd=cwd, capture_output=True, check=False
    )
    assert done.returncode == 0, (command, done.stderr.decode())
    return done.stdout.decode().split("\0")[:-1]


def _request(argv: list[str], cwd: Path) -> tuple[str, str, dict[str, str], bytes | None]:
    method, url, headers, body = "GET", "", {}, None
    args = iter(argv)
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, _, value = next(args).partition(":")
            headers[name.strip()] = value.strip()
        elif arg in ("-d", "--data-binary"):
            data = next(args)
            body = (cwd / data[1:]).read_bytes() if data.startswith("@") else data.encode()
            method = "POST" if method == "GET" else method
        elif arg.startswith("http"):
            url = arg
        else:
            assert arg in ("-s", "-OJ"), f"a curl option this test does not know: {arg}"
    return method, url, headers, body


def test_every_json_body_in_the_walk_through_is_json() -> None:
    curls = [s for s in readme_steps() if s.kind == "curl"]
    assert len(curls) >= 15
    for step in curls:
        argv = shlex.split(step.text, comments=True)
        if "application/json" in step.text and "-d" in argv:
            body = argv[argv.index("-d") + 1]
            # What a filled-in variable leaves: a JSON string either way.
            json.loads(re.sub(r"\$[A-Z_]+", "x", body))


@pytest.mark.anyio
async def test_the_walk_through_runs_as_pasted(
    client: httpx.AsyncClient,
    container: Container,
    admin_headers: dict[str, str],
    tmp_path: Path,
) -> None:
    env = {"PATH": "/usr/bin:/bin"}
    known = {"TOKEN": admin_headers["Authorization"].removeprefix("Bearer ")}
    ran = 0
    for step in readme_steps():
        if step.kind == "set":
            if step.text in known:  # a reader fills it in from the answer above
                env[step.text] = known[step.text]
            continue
        if step.kind == "file":
            name, rows = json.loads(step.text)
            (tmp_path / name).write_text(rows, encoding="utf-8")
            continue
        method, url, headers, body = _request(_argv(step.text, env, tmp_path), tmp_path)
        assert url.startswith(BASE_URL + "/"), step.text
        r = await client.request(method, url, headers=headers, content=body)
        where = f"{method} {url}"
        assert r.status_code < 400, (where, r.text[:500])
        if step.expected is not None:
            assert r.status_code == step.expected, (where, r.text[:500])
        ran += 1
        filled = _FILLED_FROM.get((method, httpx.URL(url).path))
        if filled:
            variable, member = filled
            known[variable] = r.json()[member]
        if httpx.URL(url).path == "/api/v1/batches":
            while container.batches.work_once("readme"):
                pass
    assert ran >= 15

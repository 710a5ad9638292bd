"""The ``microcred`` command line: serve, init, database, institutions, admin token, batches,
workers and verification.

Commands act on the instance the settings name (``MICROCRED_*`` variables; its data directory
``MICROCRED_DATA_DIR``, ``./var`` by default) through the same services as the HTTP API, and
print JSON for programs to read. Only ``serve`` (on first start) and ``init`` create an
instance; every other command that finds none says where it looked and exits non-zero.
Errors are one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from app.container import Container
from app.errors import AppError
from app.http.urls import PublicUrls
from app.observability.logs import configure_logging
from app.observability.metrics import MULTIPROC_ENV
from app.persistence.db import is_up_to_date, make_engine, sealed_key_count, upgrade
from app.services.institutions import NewInstitution
from app.services.principal import Principal
from app.services.signing_keys import SealedKeysDoNotOpen
from app.settings import (
    Secrets,
    Settings,
    SettingsError,
    available_master_key,
    missing_instance_parts,
    operator_contexts,
    require_instance,
    resolve_secrets,
    restore_master_key_advice,
    rotate_admin_token,
    secure_data_dir,
)
from keys import KeysError
from verifier.jsonld import MICROCRED_CONTEXT_URL, bundled_context_bytes


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=_json_default, ensure_ascii=False))


def _settings() -> Settings:
    """The settings from the environment, with logging set up as they say."""
    try:
        settings = Settings()
    except ValueError as exc:  # pydantic's ValidationError: a variable with a bad value
        raise click.ClickException(f"invalid configuration: {exc}") from exc
    configure_logging(settings.log_level, settings.log_format)
    return settings


def _announce_admin_token(token: str) -> None:
    """The admin token, on the terminal only: stderr is the log stream, which log collectors
    keep. Without a terminal, only where to read it."""
    try:
        with open("/dev/tty", "w", encoding="utf-8") as tty:
            tty.write(
                "Created the admin token (shown once here; `microcred admin-token` shows it "
                f"again):\n  {token}\n"
            )
    except OSError:
        click.echo("Created the admin token: `microcred admin-token` shows it.", err=True)


def _resolve(settings: Settings, *, create: bool) -> Secrets:
    """The instance's secrets; a new master key only when the database holds no sealed key."""
    return resolve_secrets(
        settings,
        create=create,
        sealed_keys=lambda: sealed_key_count(settings.resolved_database_url),
    )


def _load(*, create: bool = False) -> tuple[Settings, Secrets]:
    """Settings and secrets of the instance; ``create`` makes the secrets of a new one.
    An operator's context directory that does not match its pins stops here, before a
    server starts."""
    settings = _settings()
    operator_contexts(settings)
    secure_data_dir(settings, create=create)
    if not create:
        require_instance(settings)
    secrets = _resolve(settings, create=create)
    if secrets.admin_token_created:
        _announce_admin_token(secrets.admin_token)
    return settings, secrets


def _check_master_key(settings: Settings, master_key: bytes) -> None:
    """Refuse to go on when the master key does not open the active signing keys: the
    service would answer but sign nothing, and anything sealed meanwhile would not open with
    the right key once it is restored."""
    if not sealed_key_count(settings.resolved_database_url):
        return
    container = Container.from_settings(settings, Secrets(master_key, "-" * 24))
    try:
        container.signing_keys.check_active_keys()
    except SealedKeysDoNotOpen as exc:
        advice = restore_master_key_advice(settings)
        source = (
            "MICROCRED_MASTER_KEY"
            if settings.master_key
            else f"the master key in {(settings.data_dir / 'master.key').resolve()}"
        )
        raise click.ClickException(
            f"{source} does not open {exc.unopened} of the {exc.total} active signing keys in "
            f"the database: it is not the key they were sealed with. "
            f"{advice[0].upper()}{advice[1:]}. Nothing was started or changed."
        ) from exc
    finally:
        container.close()


def _prepare_database(settings: Settings, master_key: bytes) -> None:
    """Check the master key, then upgrade an embedded SQLite database (its migrations may
    seal with that key); require other databases to be at head."""
    _check_master_key(settings, master_key)
    engine = make_engine(settings.resolved_database_url)
    try:
        if settings.is_sqlite:
            upgrade(engine, master_key=master_key)
        elif not is_up_to_date(engine):
            raise click.ClickException(
                "the database schema is not up to date: run `microcred db upgrade` first"
            )
    finally:
        engine.dispose()


def _container() -> Container:
    settings, secrets = _load()
    _prepare_database(settings, secrets.master_key)
    return Container.from_settings(settings, secrets)


class _Group(click.Group):
    """Turns service and configuration errors into a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (AppError, KeysError) as exc:
            raise click.ClickException(f"{exc.title}: {exc.detail}") from exc
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Group)
@click.version_option(package_name="microcred")
def main() -> None:
    """microcred: issue EU micro-credentials as signed, verifiable credentials."""


def _metrics_directory(workers: int) -> None:
    """With several worker processes, Prometheus metrics are added up from files in a
    directory they share (prometheus-client's multiprocess mode): a fresh one per start."""
    if workers < 2 or os.environ.get(MULTIPROC_ENV):
        return
    directory = tempfile.mkdtemp(prefix="microcred-metrics-")
    os.environ[MULTIPROC_ENV] = directory
    atexit.register(shutil.rmtree, directory, ignore_errors=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--ssl-certfile", type=click.Path(exists=True, dir_okay=False))
@click.option("--ssl-keyfile", type=click.Path(exists=True, dir_okay=False))
def serve(
    host: str, port: int, workers: int, ssl_certfile: str | None, ssl_keyfile: str | None
) -> None:
    """Start the HTTP service (creates secrets and the SQLite database on first start)."""
    import uvicorn

    if bool(ssl_certfile) != bool(ssl_keyfile):
        raise click.UsageError("--ssl-certfile and --ssl-keyfile go together")
    settings, secrets = _load(create=True)
    _prepare_database(settings, secrets.master_key)
    _metrics_directory(workers)
    click.echo(f"microcred serving {settings.base_url} on {host}:{port}", err=True)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # A worker process imports the whole service before it answers the supervisor's
        # first health check; on a busy machine that takes longer than uvicorn's default 5 s,
        # and the supervisor would kill and restart it for ever.
        timeout_worker_healthcheck=60,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        log_level=settings.log_level.lower(),
        # Our logging (app.observability.logs), our access line (no raw paths: a wallet URL
        # holds its token).
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )


@main.command()
def init() -> None:
    """Create an instance in the data directory: secrets and (SQLite) the database."""
    settings = _settings()
    missing = missing_instance_parts(settings)
    if not missing:
        click.echo(f"an instance exists already in {settings.data_dir.resolve()}", err=True)
        return
    secure_data_dir(settings, create=True)
    secrets = _resolve(settings, create=True)
    _prepare_database(settings, secrets.master_key)
    click.echo(f"created a microcred instance in {settings.data_dir.resolve()}", err=True)
    if secrets.admin_token_created:
        click.echo("admin token (shown once; `microcred admin-token` shows it again):", err=True)
        click.echo(secrets.admin_token)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the migrations (a database URL, or the instance's embedded database)."""
    settings = _settings()
    if not settings.database_url:
        require_instance(settings)  # the embedded database belongs to an instance
        secure_data_dir(settings, create=False)
    # Migrations that seal what was stored in clear need the master key (when there is one).
    master_key = available_master_key(settings)
    if master_key is not None:
        _check_master_key(settings, master_key)
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine, revision, master_key=master_key)
    finally:
        engine.dispose()
    click.echo(f"database at {revision}", err=True)


@main.command("admin-token")
@click.option(
    "--rotate",
    is_flag=True,
    help="Replace the token in the data directory with a new one and print it; a running "
    "service accepts the new one and refuses the old one within a second.",
)
def admin_token(rotate: bool) -> None:
    """Show the admin token (from MICROCRED_ADMIN_TOKEN or the data directory), or rotate it."""
    settings, secrets = _load()
    if not rotate:
        click.echo(secrets.admin_token)
        return
    token = rotate_admin_token(settings)
    click.echo("Rotated the admin token: the old one stops working within a second.", err=True)
    click.echo(token)


@main.group()
def institution() -> None:
    """Institutions, their keys and API keys."""


@institution.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--country", required=True, help="ISO 3166-1 alpha-2, e.g. SI")
@click.option("--legal-id", required=True)
@click.option("--did-method", type=click.Choice(["web", "key"]), default="web", show_default=True)
@click.option(
    "--key-type", type=click.Choice(["ed25519", "p256"]), default="ed25519", show_default=True
)
@click.option("--homepage")
@click.option(
    "--language",
    default="en",
    show_default=True,
    help="BCP 47 tag of its texts: sl, hr, bs, sr-Latn, sr-Cyrl, cnr, mk, en, de...",
)
@click.option(
    "--profile",
    type=click.Choice(["compact", "edc"]),
    default="compact",
    show_default=True,
    help="credential profile: compact, or edc (European Digital Credential shapes)",
)
@click.option("--contact", help="public contact: an e-mail address or an http(s) URL")
def institution_create(
    slug: str,
    name: str,
    country: str,
    legal_id: str,
    did_method: str,
    key_type: str,
    homepage: str | None,
    language: str,
    profile: str,
    contact: str | None,
) -> None:
    """Create an institution; prints its DID and its API key (shown once)."""
    container = _container()
    try:
        new = NewInstitution(
            slug, name, country, legal_id, did_method, key_type, homepage, language, profile,
            contact,
        )  # fmt: skip
        info, token = container.institutions.create(new, actor="cli")
    finally:
        container.close()
    _echo_json({**asdict(info), "api_key": token})


@institution.command("list")
def institution_list() -> None:
    """List the institutions."""
    container = _container()
    try:
        _echo_json([asdict(i) for i in container.institutions.list_institutions()])
    finally:
        container.close()


@institution.command("show")
@click.argument("slug")
def institution_show(slug: str) -> None:
    """Show one institution with its keys."""
    container = _container()
    try:
        _echo_json(asdict(container.institutions.get(slug)))
    finally:
        container.close()


@institution.command("update")
@click.argument("slug")
@click.option("--language", help="BCP 47 tag of its texts, e.g. sl, sr-Cyrl")
@click.option("--profile", type=click.Choice(["compact", "edc"]), help="credential profile")
@click.option("--contact", help="public contact: an e-mail address or an http(s) URL ('' removes)")
@click.option(
    "--show-date-of-birth/--hide-date-of-birth",
    default=None,
    help="whether the public verification pages show the learner's date of birth",
)
@click.option(
    "--notify-learners/--no-notify-learners",
    default=None,
    help="whether learners get their wallet link by e-mail when issued a credential",
)
def institution_update(
    slug: str,
    language: str | None,
    profile: str | None,
    contact: str | None,
    show_date_of_birth: bool | None,
    notify_learners: bool | None,
) -> None:
    """Change an institution's language or credential profile (for credentials from now on),
    its public contact, or whether its public pages show the date of birth."""
    container = _container()
    try:
        info = container.institutions.update(
            slug,
            language=language,
            profile=profile,
            contact=contact,
            show_date_of_birth=show_date_of_birth,
            notify_learners=notify_learners,
            actor="cli",
        )
        _echo_json(asdict(info))
    finally:
        container.close()


@institution.command("rotate-key")
@click.argument("slug")
def institution_rotate_key(slug: str) -> None:
    """Make a new signing key; the old one stays in the DID document."""
    container = _container()
    try:
        container.signing_keys.rotate(slug, actor="cli")
        _echo_json(asdict(container.institutions.get(slug)))
    finally:
        container.close()


@institution.command("withdraw-key")
@click.argument("slug")
@click.argument("key_id")
def institution_withdraw_key(slug: str, key_id: str) -> None:
    """Withdraw a compromised key (by id or fragment): it leaves the DID document."""
    container = _container()
    try:
        container.signing_keys.withdraw(slug, key_id, actor="cli")
        _echo_json(asdict(container.institutions.get(slug)))
    finally:
        container.close()


@institution.command("create-api-key")
@click.argument("slug")
@click.option("--label")
def institution_create_api_key(slug: str, label: str | None) -> None:
    """Create a further API key (shown once)."""
    container = _container()
    try:
        info, token = container.api_keys.create(slug, label, actor="cli")
    finally:
        container.close()
    _echo_json({**asdict(info), "api_key": token})


@institution.command("revoke-api-key")
@click.argument("slug")
@click.argument("api_key_id")
def institution_revoke_api_key(slug: str, api_key_id: str) -> None:
    """Revoke an API key."""
    container = _container()
    try:
        _echo_json(asdict(container.api_keys.revoke(slug, api_key_id, actor="cli")))
    finally:
        container.close()


@main.command("worker")
@click.option("--claim-size", default=25, show_default=True, type=click.IntRange(1, 500))
def worker(claim_size: int) -> None:
    """Work batches from the database, and send the learners' e-mail when an SMTP server is
    configured, until interrupted (run any number, on any host)."""
    import signal
    import threading

    from app.services.batch_worker import run_worker
    from app.services.batches import default_worker_id
    from app.services.mail_sender import start_mail_worker_thread

    container = _container()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    mail = None
    if container.mail_sender is not None:
        mail = start_mail_worker_thread(
            container.mail_sender,
            default_worker_id(),
            poll_seconds=container.settings.worker_poll_seconds,
        )
    try:
        run_worker(
            container.batches,
            default_worker_id(),
            stop,
            poll_seconds=container.settings.worker_poll_seconds,
            claim_size=claim_size,
        )
    finally:
        if mail is not None:
            thread, mail_stop = mail
            mail_stop.set()
            thread.join(timeout=60)
        container.close()


def _write_results(rows: list[list[str]], path: str | None) -> None:
    if path:
        import csv

        with open(path, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
        click.echo(f"results: {path}", err=True)


def _read_roster(path: str) -> str:
    """The roster's text; a file that is not UTF-8 is refused with what to do about it."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(
            f"{path} is not UTF-8 text (byte {exc.start} is 0x{data[exc.start]:02x}; a "
            "spreadsheet saved as Windows-1250 or Latin-1 looks like this): save the roster as "
            "UTF-8 (in Excel: 'CSV UTF-8') and try again"
        ) from exc


@main.command("issue-batch")
@click.argument("roster", type=click.Path(exists=True, dir_okay=False))
@click.option("--achievement", "achievement_id", required=True, help="the achievement id")
@click.option("--institution", "slug", help="the institution (local mode; default: the only one)")
@click.option("--server", help="a microcred base URL: send the roster there instead")
@click.option("--api-key", envvar="MICROCRED_API_KEY", help="the institution API key (server)")
@click.option("--results", "results_path", help="write the results CSV to this file")
def issue_batch(
    roster: str,
    achievement_id: str,
    slug: str | None,
    server: str | None,
    api_key: str | None,
    results_path: str | None,
) -> None:
    """Issue a credential to every row of ROSTER (CSV, or NDJSON by its .ndjson name)."""
    text = _read_roster(roster)
    is_ndjson = roster.lower().endswith((".ndjson", ".jsonl"))
    if server:
        summary = _issue_batch_remote(server, api_key, achievement_id, text, is_ndjson)
    else:
        summary = _issue_batch_local(slug, achievement_id, text, is_ndjson)
    issued, failed, errors, rows = summary
    _write_results(rows, results_path)
    click.echo(f"issued {issued}, failed {failed}")
    for error in errors:
        click.echo(f"  row {error['row']}: {error['reason']}")
    if failed:
        sys.exit(1)


def _acting_for(container: Container, slug: str | None) -> Principal:
    """The command line acting for an institution: ``slug``, or the only one there is."""
    if slug is None:
        institutions = container.institutions.list_institutions()
        if len(institutions) != 1:
            raise click.UsageError("name the institution with --institution SLUG")
        slug = institutions[0].slug
    with container.uow(read_only=True) as uow:
        institution = uow.institutions.by_slug(slug)
        if institution is None:
            raise click.ClickException(f"no institution {slug!r}")
        return Principal.acting_for(institution.id, slug, "cli")


def _issue_batch_local(
    slug: str | None, achievement_id: str, text: str, is_ndjson: bool
) -> tuple[int, int, list[dict[str, Any]], list[list[str]]]:
    from app.services.batches import default_worker_id, results_table
    from app.services.roster import parse_csv, parse_ndjson

    container = _container()
    try:
        principal = _acting_for(container, slug)
        parsed = parse_ndjson(text) if is_ndjson else parse_csv(text)
        info = container.batches.create(principal, achievement_id, parsed)
        worker_id = default_worker_id()
        with click.progressbar(length=info.total, label="issuing", file=sys.stderr) as bar:
            done = info.issued + info.failed
            bar.update(done)
            while info.state != "done":
                if not container.batches.work_once(worker_id, 20):
                    time.sleep(0.2)  # another worker holds the remaining rows
                info = container.batches.get(principal, info.id)
                bar.update(info.issued + info.failed - done)
                done = info.issued + info.failed
        rows = results_table(container.batches.results(principal, info.id))
        return info.issued, info.failed, list(info.errors), rows
    finally:
        container.close()


def _refused(response: Any, doing: str) -> click.ClickException:
    """The server's refusal, in one line: its problem ``detail`` when it sent one."""
    try:
        detail = response.json().get("detail") or response.text
    except ValueError:
        detail = response.text[:300]
    return click.ClickException(f"{doing}: the server answered {response.status_code}: {detail}")


def _issue_batch_remote(
    server: str, api_key: str | None, achievement_id: str, text: str, is_ndjson: bool
) -> tuple[int, int, list[dict[str, Any]], list[list[str]]]:
    import csv
    import io

    import httpx

    if not api_key:
        raise click.UsageError("--api-key (or MICROCRED_API_KEY) is needed with --server")
    parts = urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.UsageError(f"--server {server!r} is not an http(s) URL")
    base = server.rstrip("/")
    auth = {"Authorization": f"Bearer {api_key}"}
    content_type = "application/x-ndjson" if is_ndjson else "text/csv"
    # Every request goes to the server we were given, by path: the API key is never sent to
    # an address a response names.
    try:
        with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as client:
            made = client.post(
                "/api/v1/batches", params={"achievement_id": achievement_id},
                content=text.encode(), headers={**auth, "Content-Type": content_type},
            )  # fmt: skip
            if made.status_code != 202:
                raise _refused(made, "sending the roster")
            info = made.json()
            status_path = f"/api/v1/batches/{info['id']}"
            with click.progressbar(length=info["total"], label="issuing", file=sys.stderr) as bar:
                done = 0
                while True:
                    polled = client.get(status_path, headers=auth)
                    if polled.status_code != 200:
                        raise _refused(polled, "following the batch")
                    info = polled.json()
                    bar.update(info["issued"] + info["failed"] - done)
                    done = info["issued"] + info["failed"]
                    if info["state"] == "done":
                        break
                    time.sleep(0.5)
            results = client.get(f"{status_path}/results", headers=auth)
            if results.status_code != 200:
                raise _refused(results, "fetching the results")
    except httpx.HTTPError as exc:
        raise click.ClickException(f"cannot reach {base}: {exc}") from exc
    rows = list(csv.reader(io.StringIO(results.text)))
    return info["issued"], info["failed"], info["errors"], rows


@main.command("offer")
@click.argument("credential_id")
@click.option("--institution", "slug", help="the institution (default: the only one)")
@click.option("--tx-code", is_flag=True, help="protect the offer with a transaction code")
@click.option("--qr/--no-qr", default=True, help="print the offer's QR code (default: on)")
def offer(credential_id: str, slug: str | None, tx_code: bool, qr: bool) -> None:
    """Make an OpenID4VCI credential offer of a credential: its deep link, the QR code to
    scan with a wallet app, and (with --tx-code) the code to send the learner separately."""
    import segno

    container = _container()
    try:
        principal = _acting_for(container, slug)
        created = container.openid4vci.create_offer(
            principal, credential_id, tx_code=tx_code, source="cli"
        )
    finally:
        container.close()
    if qr:
        segno.make_qr(created.offer_uri, error="l").terminal(compact=True)
    click.echo(created.offer_uri)
    click.echo(f"open until {created.expires_at.isoformat()}")
    if created.tx_code:
        click.echo(f"transaction code (send it separately): {created.tx_code}")


@main.command(
    "verify",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def verify(args: tuple[str, ...]) -> None:
    """Verify a credential: FILE, a verification URL or - (stdin); --json, --trust DID,
    --allow-host HOST:PORT, --now ISO, --skew SECONDS. Exit 0 valid, 1 not, 2 usage error.

    The configured MICROCRED_BASE_URL host is allowed, so a development server on
    127.0.0.1 can be checked, and its did:web DIDs resolve with the base URL's scheme
    (https://localhost:8443 too); everything else is fetched as an outsider would. The JSON-LD
    contexts are the service's: the bundled ones, MICROCRED_CONTEXTS_DIR's, and this
    deployment's own old URL of the microcred context.
    """
    from verifier.cli import main as verifier_main

    settings = _settings()
    host = urlsplit(settings.base_url).netloc
    own = json.loads(bundled_context_bytes(MICROCRED_CONTEXT_URL))
    urls = PublicUrls(settings.base_url)
    contexts = {**operator_contexts(settings), urls.context(): own}
    status = verifier_main(
        [*args, "--allow-host", host],
        prog="microcred verify",
        contexts=contexts,
        host_schemes=urls.host_schemes(),
    )
    sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

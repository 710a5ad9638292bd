"""Typed settings from the environment (prefix ``MICROCRED_``), and first-start secrets.

Settings are built in :func:`app.main.create_app` or the CLI, never at import time.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from keys import MASTER_KEY_BYTES
from verifier.errors import JsonLdError
from verifier.jsonld import load_context_directory

# Values people paste from examples; refused as secrets.
_PLACEHOLDERS = {"", "changeme", "change-me", "changethis", "secret", "admin", "password", "test"}
_ADMIN_TOKEN_FILE = "admin-token"  # noqa: S105 - a file name, not a secret
_MASTER_KEY_FILE = "master.key"
_DATABASE_FILE = "microcred.db"


class SettingsError(Exception):
    """The configuration cannot be used (a missing or placeholder secret in production...)."""


class NoInstance(SettingsError):
    """There is no microcred instance where the settings point (and none is to be made)."""


class MasterKeyMissing(SettingsError):
    """The database holds sealed keys and no master key is there to open them."""


class Settings(BaseSettings):
    # Errors never quote what was given: a URL may carry a password.
    model_config = SettingsConfigDict(
        env_prefix="MICROCRED_", extra="ignore", hide_input_in_errors=True
    )

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("./var")
    database_url: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    admin_token: SecretStr | None = None
    master_key: SecretStr | None = None
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    metrics: bool = True
    status_max_age: int = Field(default=60, ge=0, le=86400)
    trusted_issuers: str = ""
    fetch_allow_hosts: str = ""
    fetch_timeout: float = Field(default=5.0, gt=0, le=60)
    fetch_max_bytes: int = Field(default=1_048_576, ge=1024)
    # One verification: distinct documents it may fetch, seconds of fetching in all, and the
    # credentialStatus entries it checks (more fail closed before any list is fetched).
    verify_max_fetches: int = Field(default=8, ge=1, le=100)
    verify_budget_seconds: float = Field(default=10.0, gt=0, le=120)
    verify_max_status_entries: int = Field(default=4, ge=0, le=64)
    # Anonymous verifications (VC API verify, the paste page, /v/ pages that must fetch from
    # another host) running at once in one process; the rest get 429. See the README.
    verify_concurrency: int = Field(default=8, ge=1, le=1024)
    # Anonymous verification input, checked before it is parsed.
    verify_max_bytes: int = Field(default=262_144, ge=1024)
    # An uploaded PDF (a certificate carrying its credential) may be larger than a credential.
    verify_max_pdf_bytes: int = Field(default=2_097_152, ge=1024)
    verify_max_depth: int = Field(default=64, ge=8, le=256)
    clock_skew_seconds: int = Field(default=300, ge=0, le=86400)
    # RDFC-1.0 for Data Integrity: "auto" takes the native path (pyoxigraph) where it is proven
    # byte-identical to pyld, "pyld" always runs pyld (verifier.jsonld.canonicalize).
    canonicalization: Literal["auto", "pyld"] = "auto"
    worker_in_serve: bool = True
    worker_lease_seconds: int = Field(default=60, ge=1, le=3600)
    worker_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    status_list_size: int = Field(default=131072, ge=131072, multiple_of=8)
    auth_failures_per_minute: int = Field(default=20, ge=1, le=100_000)
    # What callers may send (see app/services/limits.py and app/http/text_input.py).
    max_credential_bytes: int = Field(default=262_144, ge=16_384)
    max_languages: int = Field(default=32, ge=1, le=1000)
    max_learning_outcomes: int = Field(default=100, ge=1, le=10_000)
    # An operator's JSON-LD contexts besides the bundled ones: a directory with index.json
    # (URL -> {file, sha256}); see operator_contexts.
    contexts_dir: Path | None = None
    # EDC-profile credentials add EBSI's VerifiableAttestation to their type (EBSI's VC 2.0
    # EDC JSON Schema wants it; a non-EBSI reader does not need it).
    edc_ebsi: bool = False
    # OpenID4VCI: how long a credential offer stays open (an e-mailed one must outlive a
    # holiday), an access token and a c_nonce live.
    offer_ttl_seconds: int = Field(default=14 * 86400, ge=60, le=366 * 86400)
    access_token_ttl_seconds: int = Field(default=600, ge=30, le=86400)
    nonce_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    # E-mail to learners (app/services/mail_sender.py): the SMTP server as a URL
    # (smtp+starttls://user:password@host:587, smtps://…:465, smtp://localhost:25 for a relay on
    # this host) and the From address. Without both, no message is queued or sent.
    smtp_url: SecretStr | None = None
    mail_from: str | None = None
    # A CA bundle (PEM) to trust for the SMTP server's certificate besides the system's.
    smtp_ca_file: Path | None = None
    # One delivery attempt, connecting included, may take this long.
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # Temporary failures are retried with back-off; after this many attempts a message fails.
    mail_max_attempts: int = Field(default=8, ge=1, le=100)

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip():
            parse_smtp_url(value.get_secret_value())  # refuses what it cannot use
            return value
        return None

    @field_validator("mail_from")
    @classmethod
    def _mail_from(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        _, address = parseaddr(value)
        if "@" not in address or any(c in value for c in "\r\n"):
            raise ValueError("must be an e-mail address, e.g. Credentials <noreply@school.example>")
        return value.strip()

    @property
    def smtp(self) -> SmtpServer | None:
        """The SMTP server to send through, when both it and the From address are set."""
        if self.smtp_url is None or self.mail_from is None:
            return None
        return parse_smtp_url(self.smtp_url.get_secret_value())

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        value = value.rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / _DATABASE_FILE).resolve()}"

    @staticmethod
    def _items(value: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in value.split(",") if v.strip())

    @property
    def trusted_issuer_dids(self) -> tuple[str, ...]:
        return self._items(self.trusted_issuers)

    @property
    def outbound_allow_hosts(self) -> tuple[str, ...]:
        """host[:port] values outbound fetches may reach even on private addresses."""
        return self._items(self.fetch_allow_hosts)

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


#: The SMTP URL schemes: how the connection is secured, and the default port.
SMTP_SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send e-mail; its repr leaves the password out."""

    host: str
    port: int
    security: Literal["plain", "starttls", "tls"]
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        user = f"{self.username}:***@" if self.username else ""
        return f"SmtpServer({self.security} {user}{self.host}:{self.port})"


def parse_smtp_url(url: str) -> SmtpServer:
    """``MICROCRED_SMTP_URL`` as a :class:`SmtpServer`. ``smtp+starttls://`` upgrades the
    connection with STARTTLS (and refuses a server that does not offer it), ``smtps://`` speaks
    TLS from the start; plain ``smtp://`` only reaches this host (a local relay), as it would
    send the password and the learners' mail in clear. The user name and password are
    percent-decoded. Raises ValueError naming what is wrong, never quoting the password."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in SMTP_SCHEMES:
        raise ValueError(f"must begin with one of {', '.join(s + '://' for s in SMTP_SCHEMES)}")
    security, default_port = SMTP_SCHEMES[scheme]
    try:
        host, port = parts.hostname, parts.port or default_port
    except ValueError:
        raise ValueError("has a port that is not a number from 1 to 65535") from None
    if not host:
        raise ValueError("names no host")
    if security == "plain" and host not in _LOOPBACK:
        raise ValueError(
            "smtp:// sends in clear and only reaches this host (localhost): use "
            "smtp+starttls:// or smtps:// for another host"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("must be scheme://[user:password@]host[:port], with nothing after")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return SmtpServer(host, port, security, username, password)  # type: ignore[arg-type]


def operator_contexts(settings: Settings) -> dict[str, dict[str, Any]]:
    """The JSON-LD contexts of ``MICROCRED_CONTEXTS_DIR`` by URL, each file checked against the
    SHA-256 its ``index.json`` pins (:func:`verifier.jsonld.load_context_directory`); none
    when it is not set. Raises :class:`SettingsError` naming the file and what is wrong, so
    the service refuses to start rather than verify with a context nobody pinned."""
    if settings.contexts_dir is None:
        return {}
    try:
        return load_context_directory(settings.contexts_dir)
    except JsonLdError as exc:
        raise SettingsError(f"MICROCRED_CONTEXTS_DIR: {exc.detail}") from exc


@dataclass(frozen=True, repr=False)
class Secrets:
    """The master key (32 bytes) and the admin token, resolved once at start."""

    master_key: bytes
    admin_token: str
    admin_token_created: bool = False

    def __repr__(self) -> str:
        return "Secrets(<hidden>)"


def _decode_master_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SettingsError("MICROCRED_MASTER_KEY is not base64url") from exc
    if len(raw) != MASTER_KEY_BYTES:
        raise SettingsError(f"MICROCRED_MASTER_KEY must encode {MASTER_KEY_BYTES} bytes")
    return raw


def _check_admin_token(token: str) -> str:
    if token.strip().lower() in _PLACEHOLDERS or len(token) < 24:
        raise SettingsError("MICROCRED_ADMIN_TOKEN is a placeholder or shorter than 24 characters")
    return token


def secure_data_dir(settings: Settings, *, create: bool) -> None:
    """Make the data directory private to the service's user (0700): created so (with
    ``create``), tightened when found with looser modes. It holds the secrets and the SQLite
    database with learners' personal data."""
    directory = settings.data_dir
    if not directory.exists():
        if not create:
            return
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = directory.stat().st_mode & 0o777
    if mode != 0o700:
        try:
            directory.chmod(0o700)
        except OSError as exc:
            raise SettingsError(
                f"the data directory {directory.resolve()} has mode {mode:o} and cannot be made "
                f"private ({exc.strerror}): make it `chmod 700` as its owner"
            ) from exc


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")


def _read_or_create(path: Path, make: str) -> tuple[str, bool]:
    try:
        _write_secret(path, make)
        return make, True
    except FileExistsError:
        return path.read_text().strip(), False


def missing_instance_parts(settings: Settings) -> list[str]:
    """What an instance needs that is neither configured nor in the data directory: the
    master key, the admin token, and the embedded database (with no database URL)."""
    missing = []
    if not settings.master_key and not (settings.data_dir / _MASTER_KEY_FILE).is_file():
        missing.append(_MASTER_KEY_FILE)
    if not settings.admin_token and not (settings.data_dir / _ADMIN_TOKEN_FILE).is_file():
        missing.append(_ADMIN_TOKEN_FILE)
    if not settings.database_url and not (settings.data_dir / _DATABASE_FILE).is_file():
        missing.append(_DATABASE_FILE)
    return missing


def restore_master_key_advice(settings: Settings) -> str:
    """What an operator does when the master key is missing or wrong."""
    return (
        f"restore master.key from the backup of the data directory into "
        f"{settings.data_dir.resolve()}, or set MICROCRED_MASTER_KEY to the master key the "
        "keys were sealed with"
    )


def require_instance(settings: Settings) -> None:
    """Raise :class:`NoInstance`, naming where we looked, unless an instance is there; when
    only the master key is missing, :class:`MasterKeyMissing` with what to restore."""
    missing = missing_instance_parts(settings)
    if missing == [_MASTER_KEY_FILE]:
        raise MasterKeyMissing(
            f"the instance in {settings.data_dir.resolve()} has no master key "
            f"(MICROCRED_MASTER_KEY is not set and there is no {_MASTER_KEY_FILE}): "
            + restore_master_key_advice(settings)
        )
    if missing:
        raise NoInstance(
            f"no microcred instance in {settings.data_dir.resolve()} "
            f"(no {', '.join(missing)} there): set MICROCRED_DATA_DIR to the data directory "
            "of your instance, or create one there with `microcred init`"
        )


def resolve_secrets(
    settings: Settings, *, create: bool = True, sealed_keys: Callable[[], int]
) -> Secrets:
    """Secrets from the environment, else from the data directory (created on first start).

    In production every secret must come from the environment; nothing is generated. A new
    master key is made only for an empty instance: ``sealed_keys`` counts the sealed keys in
    the database, and when there are any and no master key, :class:`MasterKeyMissing` says
    what to restore (a new key would open none of them, and what it sealed would not open
    with the old one once that is restored).
    """
    env_master = settings.master_key.get_secret_value() if settings.master_key else None
    env_token = settings.admin_token.get_secret_value() if settings.admin_token else None
    if settings.env == "production":
        missing = [
            name
            for name, value in (
                ("MICROCRED_MASTER_KEY", env_master),
                ("MICROCRED_ADMIN_TOKEN", env_token),
            )
            if not value
        ]
        if missing:
            raise SettingsError(f"production mode needs {', '.join(missing)} to be set")
    token_created = False
    if env_master:
        master_text = env_master
    elif create and not (settings.data_dir / _MASTER_KEY_FILE).is_file():
        found = sealed_keys()
        if found:
            raise MasterKeyMissing(
                f"the database holds {found} sealed signing key{'s' if found != 1 else ''} and "
                f"there is no master key to open them (MICROCRED_MASTER_KEY is not set and "
                f"there is no {_MASTER_KEY_FILE} in {settings.data_dir.resolve()}): "
                + restore_master_key_advice(settings)
                + ". A new master key is made only for an instance without keys."
            )
        fresh = base64.urlsafe_b64encode(secrets.token_bytes(MASTER_KEY_BYTES)).decode()
        master_text, _ = _read_or_create(settings.data_dir / _MASTER_KEY_FILE, fresh)
    else:
        master_text = (settings.data_dir / _MASTER_KEY_FILE).read_text().strip()
    if env_token:
        token = env_token
    elif create:
        token, token_created = _read_or_create(
            settings.data_dir / _ADMIN_TOKEN_FILE, "mcadm_" + secrets.token_urlsafe(32)
        )
    else:
        token = (settings.data_dir / _ADMIN_TOKEN_FILE).read_text().strip()
    return Secrets(_decode_master_key(master_text), _check_admin_token(token), token_created)


def available_master_key(settings: Settings) -> bytes | None:
    """The master key when one is configured or in the data directory (none is made)."""
    if settings.master_key:
        return _decode_master_key(settings.master_key.get_secret_value())
    path = settings.data_dir / _MASTER_KEY_FILE
    return _decode_master_key(path.read_text().strip()) if path.is_file() else None


def admin_token_file(settings: Settings) -> Path | None:
    """The data directory's admin token file, unless the token comes from the environment."""
    return None if settings.admin_token else settings.data_dir / _ADMIN_TOKEN_FILE


def rotate_admin_token(settings: Settings) -> str:
    """Replace the admin token in the data directory with a new one (atomically, 0600) and
    return it. A token from ``MICROCRED_ADMIN_TOKEN`` is the operator's to change."""
    path = admin_token_file(settings)
    if path is None:
        raise SettingsError(
            "the admin token comes from MICROCRED_ADMIN_TOKEN: to rotate it, set the variable "
            "to a new token (at least 24 random characters) and restart the service"
        )
    token = "mcadm_" + secrets.token_urlsafe(32)
    fresh = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    _write_secret(fresh, token)
    os.replace(fresh, path)
    return token


class AdminToken:
    """The admin token a running service accepts: the one it started with, or, when it lives
    in the data directory, whatever that file holds now. The file is looked at (its inode,
    modification time and size) at most once every ``interval`` seconds, so a rotation by
    ``microcred admin-token --rotate`` takes effect within a second, without a restart."""

    def __init__(
        self,
        token: str,
        path: Path | None = None,
        *,
        interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token = token
        self._path = path
        self._interval = interval
        self._monotonic = monotonic
        self._checked = monotonic()
        self._seen = self._stamp()
        self._lock = threading.Lock()

    def _stamp(self) -> tuple[int, int, int] | None:
        if self._path is None:
            return None
        try:
            st = self._path.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def current(self) -> str:
        if self._path is None:
            return self._token
        now = self._monotonic()
        with self._lock:
            if now - self._checked < self._interval:
                return self._token
            self._checked = now
            stamp = self._stamp()
            if stamp is not None and stamp != self._seen:
                try:
                    self._token = _check_admin_token(self._path.read_text().strip())
                    self._seen = stamp
                except (OSError, SettingsError):
                    pass  # a file being written, or not a token: keep the one we have
            return self._token

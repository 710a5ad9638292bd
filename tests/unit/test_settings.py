"""Settings and first-start secrets."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from app.services.auth import FailureThrottle
from app.settings import (
    AdminToken,
    MasterKeyMissing,
    Settings,
    SettingsError,
    admin_token_file,
    require_instance,
    resolve_secrets,
    rotate_admin_token,
    secure_data_dir,
)
from tests.support.clock import FixedClock

GOOD_MASTER = base64.urlsafe_b64encode(b"k" * 32).decode()
GOOD_TOKEN = "mcadm_" + "t" * 30


def test_development_creates_secrets_once_with_private_modes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    first = resolve_secrets(settings, sealed_keys=lambda: 0)
    assert first.admin_token_created and len(first.master_key) == 32
    for name in ("master.key", "admin-token"):
        assert (tmp_path / "var" / name).stat().st_mode & 0o777 == 0o600
    again = resolve_secrets(settings, sealed_keys=lambda: 0)
    assert not again.admin_token_created
    assert (again.master_key, again.admin_token) == (first.master_key, first.admin_token)
    assert first.admin_token not in repr(first) and "hidden" in repr(first)


def test_environment_wins_and_creates_nothing(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, master_key=SecretStr(GOOD_MASTER), admin_token=SecretStr(GOOD_TOKEN)
    )
    secrets = resolve_secrets(settings, sealed_keys=lambda: 0)
    assert secrets.master_key == b"k" * 32 and secrets.admin_token == GOOD_TOKEN
    assert list(tmp_path.iterdir()) == []


def test_production_needs_every_secret_from_the_environment(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="MICROCRED_MASTER_KEY, MICROCRED_ADMIN_TOKEN"):
        resolve_secrets(Settings(env="production", data_dir=tmp_path), sealed_keys=lambda: 0)
    with pytest.raises(SettingsError, match="MICROCRED_ADMIN_TOKEN"):
        resolve_secrets(
            Settings(env="production", data_dir=tmp_path, master_key=SecretStr(GOOD_MASTER)),
            sealed_keys=lambda: 0,
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("token", ["changeme", "short-token", "   password   "])
def test_placeholder_admin_tokens_are_refused(tmp_path: Path, token: str) -> None:
    settings = Settings(
        data_dir=tmp_path, master_key=SecretStr(GOOD_MASTER), admin_token=SecretStr(token)
    )
    with pytest.raises(SettingsError, match="placeholder"):
        resolve_secrets(settings, sealed_keys=lambda: 0)


@pytest.mark.parametrize("master", ["not base64 !!", base64.urlsafe_b64encode(b"x" * 16).decode()])
def test_bad_master_keys_are_refused(tmp_path: Path, master: str) -> None:
    settings = Settings(
        data_dir=tmp_path, master_key=SecretStr(master), admin_token=SecretStr(GOOD_TOKEN)
    )
    with pytest.raises(SettingsError, match="MICROCRED_MASTER_KEY"):
        resolve_secrets(settings, sealed_keys=lambda: 0)


def test_database_url_and_base_url_defaults(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, base_url="https://example.org/mc/")
    assert settings.base_url == "https://example.org/mc"
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/microcred.db"
    assert settings.is_sqlite
    with pytest.raises(ValueError, match="http"):
        Settings(base_url="ftp://example.org")


def test_a_new_master_key_only_for_an_instance_without_sealed_keys(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    with pytest.raises(MasterKeyMissing, match="holds 3 sealed signing keys") as refused:
        resolve_secrets(settings, sealed_keys=lambda: 3)
    assert "restore master.key" in str(refused.value)
    assert "MICROCRED_MASTER_KEY" in str(refused.value)
    assert not (tmp_path / "var" / "master.key").exists()
    made = resolve_secrets(settings, sealed_keys=lambda: 0)
    # Once there is a master key, the database is not asked again.
    again = resolve_secrets(settings, sealed_keys=lambda: 1 // 0)
    assert again.master_key == made.master_key
    (tmp_path / "var" / "master.key").unlink()
    (tmp_path / "var" / "microcred.db").touch()
    with pytest.raises(MasterKeyMissing, match=r"restore master\.key"):
        require_instance(settings)


def test_the_data_directory_is_made_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    secure_data_dir(settings, create=False)
    assert not (tmp_path / "var").exists()
    secure_data_dir(settings, create=True)
    assert (tmp_path / "var").stat().st_mode & 0o777 == 0o700
    (tmp_path / "var").chmod(0o755)
    secure_data_dir(settings, create=False)
    assert (tmp_path / "var").stat().st_mode & 0o777 == 0o700


def test_the_admin_token_file_is_read_again_when_it_changes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = resolve_secrets(settings, sealed_keys=lambda: 0).admin_token
    now = [100.0]
    source = AdminToken(first, admin_token_file(settings), monotonic=lambda: now[0])
    rotated = rotate_admin_token(settings)
    assert rotated != first and (tmp_path / "admin-token").stat().st_mode & 0o777 == 0o600
    assert source.current() == first  # looked at no more than once a second
    now[0] += 1.0
    assert source.current() == rotated
    (tmp_path / "admin-token").write_text("changeme\n")  # not a token: the last one holds
    now[0] += 1.0
    assert source.current() == rotated
    assert AdminToken(GOOD_TOKEN).current() == GOOD_TOKEN
    from_env = Settings(data_dir=tmp_path, admin_token=SecretStr(GOOD_TOKEN))
    assert admin_token_file(from_env) is None
    with pytest.raises(SettingsError, match="MICROCRED_ADMIN_TOKEN"):
        rotate_admin_token(from_env)


def test_failures_are_counted_per_client_in_a_sliding_minute() -> None:
    clock = FixedClock()
    throttle = FailureThrottle(2, clock=clock, max_clients=2)
    throttle.failed("a")
    clock.advance(timedelta(seconds=30))
    throttle.failed("a")
    assert throttle.retry_after("a") == 30 and throttle.retry_after("b") is None
    clock.advance(timedelta(seconds=30))
    assert throttle.retry_after("a") is None  # the first failure left the window
    throttle.failed("b")
    throttle.failed("c")  # the least recently failing client ("a") is forgotten first
    throttle.failed("a")
    assert throttle.retry_after("a") is None  # one failure counted, not two


def test_the_verification_limits_and_their_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path)
    assert (
        settings.verify_max_fetches,
        settings.verify_budget_seconds,
        settings.verify_max_status_entries,
        settings.verify_concurrency,
        settings.verify_max_bytes,
        settings.verify_max_depth,
    ) == (8, 10.0, 4, 8, 262144, 64)
    for name, value in (("MAX_FETCHES", "3"), ("BUDGET_SECONDS", "2.5"),
                        ("MAX_STATUS_ENTRIES", "2"), ("CONCURRENCY", "16"),
                        ("MAX_BYTES", "65536"), ("MAX_DEPTH", "32")):  # fmt: skip
        monkeypatch.setenv(f"MICROCRED_VERIFY_{name}", value)
    named = Settings(data_dir=tmp_path)
    assert (named.verify_max_fetches, named.verify_budget_seconds, named.verify_concurrency,
            named.verify_max_bytes, named.verify_max_depth) == (3, 2.5, 16, 65536, 32)  # fmt: skip
    monkeypatch.setenv("MICROCRED_VERIFY_CONCURRENCY", "0")
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path)


# -- e-mail ------------------------------------------------------------------------------


def test_smtp_url_schemes_ports_and_a_hidden_password() -> None:
    from app.settings import parse_smtp_url

    server = parse_smtp_url("smtp+starttls://reg%40school.example:p%3Ass%2Fw@mail.example")
    assert (server.host, server.port, server.security) == ("mail.example", 587, "starttls")
    assert (server.username, server.password) == ("reg@school.example", "p:ss/w")
    assert "p:ss/w" not in repr(server) and "ss" not in repr(server).split("@")[-1]
    assert parse_smtp_url("smtps://mail.example").port == 465
    assert parse_smtp_url("smtp://localhost:2525").security == "plain"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://mail.example", "must begin with one of"),
        ("smtp://mail.example", "only reaches this host"),
        ("smtps://mail.example:99999", "port"),
        ("smtps://mail.example/inbox", "nothing after"),
        ("smtps://", "names no host"),
    ],
)
def test_smtp_url_refused_without_quoting_the_password(url: str, says: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        Settings(smtp_url=url.replace("://", "://u:hunter2@", 1) if "@" not in url else url)
    assert says in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_mail_needs_both_the_server_and_the_from_address() -> None:
    assert Settings(smtp_url="smtps://mail.example").smtp is None
    assert Settings(mail_from="noreply@school.example").smtp is None
    both = Settings(smtp_url="smtps://u:hunter2@mail.example", mail_from="noreply@school.example")
    assert both.smtp is not None and both.smtp.password == "hunter2"
    assert "hunter2" not in repr(both)

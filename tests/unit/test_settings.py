"""Settings and first-start secrets."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pydantic import SecretStr

from app.settings import Settings, SettingsError, resolve_secrets

GOOD_MASTER = base64.urlsafe_b64encode(b"k" * 32).decode()
GOOD_TOKEN = "mcadm_" + "t" * 30


def test_development_creates_secrets_once_with_private_modes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    first = resolve_secrets(settings)
    assert first.admin_token_created and len(first.master_key) == 32
    for name in ("master.key", "admin-token"):
        assert (tmp_path / "var" / name).stat().st_mode & 0o777 == 0o600
    again = resolve_secrets(settings)
    assert not again.admin_token_created
    assert (again.master_key, again.admin_token) == (first.master_key, first.admin_token)
    assert first.admin_token not in repr(first) and "hidden" in repr(first)


def test_environment_wins_and_creates_nothing(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, master_key=SecretStr(GOOD_MASTER), admin_token=SecretStr(GOOD_TOKEN)
    )
    secrets = resolve_secrets(settings)
    assert secrets.master_key == b"k" * 32 and secrets.admin_token == GOOD_TOKEN
    assert list(tmp_path.iterdir()) == []


def test_production_needs_every_secret_from_the_environment(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="MICROCRED_MASTER_KEY, MICROCRED_ADMIN_TOKEN"):
        resolve_secrets(Settings(env="production", data_dir=tmp_path))
    with pytest.raises(SettingsError, match="MICROCRED_ADMIN_TOKEN"):
        resolve_secrets(
            Settings(env="production", data_dir=tmp_path, master_key=SecretStr(GOOD_MASTER))
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("token", ["changeme", "short-token", "   password   "])
def test_placeholder_admin_tokens_are_refused(tmp_path: Path, token: str) -> None:
    settings = Settings(
        data_dir=tmp_path, master_key=SecretStr(GOOD_MASTER), admin_token=SecretStr(token)
    )
    with pytest.raises(SettingsError, match="placeholder"):
        resolve_secrets(settings)


@pytest.mark.parametrize("master", ["not base64 !!", base64.urlsafe_b64encode(b"x" * 16).decode()])
def test_bad_master_keys_are_refused(tmp_path: Path, master: str) -> None:
    settings = Settings(
        data_dir=tmp_path, master_key=SecretStr(master), admin_token=SecretStr(GOOD_TOKEN)
    )
    with pytest.raises(SettingsError, match="MICROCRED_MASTER_KEY"):
        resolve_secrets(settings)


def test_database_url_and_base_url_defaults(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, base_url="https://example.org/mc/")
    assert settings.base_url == "https://example.org/mc"
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/microcred.db"
    assert settings.is_sqlite
    with pytest.raises(ValueError, match="http"):
        Settings(base_url="ftp://example.org")


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

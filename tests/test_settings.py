"""Configuration from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from events.settings import ConfigError, RateLimit, from_environ


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30/minute", RateLimit(30, 60)),
        ("30/min", RateLimit(30, 60)),
        ("10/60s", RateLimit(10, 60)),
        ("5/second", RateLimit(5, 1)),
        ("100/hour", RateLimit(100, 3600)),
        ("0", RateLimit(0, 60)),
        ("30", RateLimit(30, 60)),
    ],
)
def test_rates_read_the_way_people_write_them(text: str, expected: RateLimit) -> None:
    assert RateLimit.parse(text, "X") == expected


def test_a_nonsense_rate_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="TSUDOI_REGISTRATION_RATE"):
        from_environ({"TSUDOI_REGISTRATION_RATE": "lots"})


def test_defaults_are_sqlite_in_the_working_directory_and_thirty_a_minute() -> None:
    settings = from_environ({})

    assert settings.database_url == "sqlite://tsudoi.db" and settings.sqlite_path == Path("tsudoi.db")
    assert settings.registration_rate == RateLimit(30, 60)
    assert settings.kiosk_rate == RateLimit(30, 600), "a kiosk's misses: 30 in any 10 minutes"
    assert from_environ({"TSUDOI_KIOSK_RATE": "20/5minutes"}).kiosk_rate == RateLimit(20, 300)


def test_failed_sign_ins_are_limited_per_address_and_per_account_by_default() -> None:
    defaults = from_environ({})
    set_here = from_environ({"TSUDOI_LOGIN_ACCOUNT_RATE": "20/hour"})

    assert defaults.login_rate == RateLimit(10, 60) and defaults.login_account_rate == RateLimit(10, 600)
    assert set_here.login_account_rate == RateLimit(20, 3600)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///tmp/x/tsudoi.db", Path("/tmp/x/tsudoi.db")),  # the contract's form: absolute
        ("sqlite:////tmp/x/tsudoi.db", Path("/tmp/x/tsudoi.db")),  # four slashes, as before
        ("sqlite://tsudoi.db", Path("tsudoi.db")),  # two: the working directory
        ("sqlite://data/tsudoi.db", Path("data/tsudoi.db")),
        ("sqlite://:memory:", None),
    ],
)
def test_sqlite_urls_are_read_as_the_contract_and_tortoise_read_them(url: str, path: Path | None) -> None:
    assert from_environ({"DATABASE_URL": url}).sqlite_path == path


def test_the_old_relative_form_is_refused_rather_than_starting_an_empty_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sqlite:///tsudoi.db` meant ./tsudoi.db before; a server started that way must not quietly
    make a new /tsudoi.db and leave the real data behind."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "network-2026.db").write_bytes(b"")
    with pytest.raises(ConfigError, match="sqlite://network-2026.db"):
        from_environ({"DATABASE_URL": "sqlite:///network-2026.db"})
    assert from_environ({"DATABASE_URL": "sqlite://network-2026.db"}).sqlite_path == Path("network-2026.db")


def test_postgresql_urls_are_accepted_in_both_spellings() -> None:
    assert from_environ({"DATABASE_URL": "postgresql://u@h:5432/d"}).database_url == "postgres://u@h:5432/d"


def test_the_secret_key_is_generated_once_and_kept_beside_the_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/data.db"

    first = from_environ({"DATABASE_URL": url}).with_secret().secret_key
    second = from_environ({"DATABASE_URL": url}).with_secret().secret_key

    assert first == second and len(first) >= 32
    assert (tmp_path / "data.db.secret").stat().st_mode & 0o077 == 0, "only the owner may read the key"


def test_a_secret_key_file_readable_by_others_is_made_private_when_read(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data.db'}"
    from_environ({"DATABASE_URL": url}).with_secret()
    (tmp_path / "data.db.secret").chmod(0o644)  # copied with cp, say

    from_environ({"DATABASE_URL": url}).with_secret()

    assert (tmp_path / "data.db.secret").stat().st_mode & 0o077 == 0, "only the owner may read the key again"


def test_postgresql_needs_an_explicit_secret_key() -> None:
    with pytest.raises(ConfigError, match="TSUDOI_SECRET_KEY"):
        from_environ({"DATABASE_URL": "postgres://u@h/d"}).with_secret()


def test_a_bad_base_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="TSUDOI_BASE_URL"):
        from_environ({"TSUDOI_BASE_URL": "not a url"})


def test_times_outside_any_event_are_shown_in_the_configured_zone_or_a_clear_error() -> None:
    assert from_environ({}).timezone == "Asia/Tokyo", "the network works in Japan"
    assert from_environ({"TSUDOI_TIMEZONE": "Europe/Berlin"}).timezone == "Europe/Berlin"
    with pytest.raises(ConfigError, match="TSUDOI_TIMEZONE='Mars/Olympus'"):
        from_environ({"TSUDOI_TIMEZONE": "Mars/Olympus"})

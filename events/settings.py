"""Configuration, read from the environment in one place.

Tests build their own `Settings` and hand it to `create_app`; nothing else reads `os.environ`.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from events import private_files
from events.hosts import split_host

DEFAULT_SQLITE_FILE = "tsudoi.db"
#: Where links point when nothing says otherwise: a command run without TSUDOI_BASE_URL, an app built in a test.
FALLBACK_ORIGIN = "http://localhost:8000"
#: Names of this machine that a server listening on a loopback address also answers to.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
#: Addresses that mean "every address": such a server cannot tell which name the public uses.
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")


class ConfigError(ValueError):
    """A setting has a value the app cannot use; the message names the variable and the value."""


@dataclass(frozen=True)
class RateLimit:
    """At most `count` events per `seconds` from one client; `count == 0` turns the limit off."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str, variable: str) -> RateLimit:
        """Read `30/minute`, `30/min`, `30/60s`, `5/second` or `0` (off)."""
        text = text.strip().lower()
        if text in {"0", "off", "none"}:
            return cls(0, 60)
        match = re.fullmatch(
            r"(\d+)\s*(?:/\s*(\d*)\s*(s|sec|second|seconds|m|min|minute|minutes|h|hour|hours)?)?", text
        )
        if not match:
            raise ConfigError(f"{variable}={text!r} is not a rate; write it like 30/minute, 10/60s or 0 for no limit.")
        count = int(match.group(1))
        multiplier = int(match.group(2) or 1)
        unit = (match.group(3) or "minute")[0]
        seconds = {"s": 1, "m": 60, "h": 3600}[unit] * multiplier
        return cls(count, seconds)

    @property
    def enabled(self) -> bool:
        return self.count > 0


@dataclass(frozen=True)
class MailSettings:
    """How e-mail leaves: an SMTP server, and the sender's address.

    `security` is "starttls" (upgrade a plain connection, port 587), "tls" (TLS from the first
    byte, port 465) or "none" (a local relay). With no host the outbox keeps every message.
    """

    host: str | None = None
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password: str | None = None
    sender: str = "Tsudoi <tsudoi@localhost>"
    timeout_seconds: float = 20.0
    #: A CA bundle to trust for the server's certificate (a relay with a private CA); else the system's.
    ca_file: str | None = None
    #: How long before an event's first session its reminder goes out.
    reminder_hours: int = 48
    #: Seconds between looks at the outbox when nothing woke the worker earlier.
    poll_seconds: float = 30.0

    @property
    def configured(self) -> bool:
        return bool(self.host)


def invoice_number_valid(number: str) -> bool:
    """A qualified-invoice registration number (適格請求書発行事業者登録番号): T and 13 digits,
    the first a check digit over the other twelve as the corporate number's (法人番号) rule has it."""
    if not re.fullmatch(r"T\d{13}", number):
        return False
    check, digits = int(number[1]), [int(digit) for digit in number[2:]]
    weighted = sum(digit * (1 if position % 2 else 2) for position, digit in enumerate(reversed(digits), start=1))
    return check == 9 - weighted % 9


@dataclass(frozen=True)
class IssuerSettings:
    """Who issues the receipts: the organization's name and address, its seal, and, when it is a
    registered issuer of qualified invoices, its registration number and the tax rate."""

    name: str = ""
    address: str = ""
    invoice_number: str = ""
    tax_rate: int = 10
    #: A PNG or JPEG of the seal (印) printed on each receipt; without one, a place to stamp it.
    seal_image: bytes | None = None
    #: Where participants send a bank transfer (bank, branch, account, holder), as they should copy it.
    bank_account: str = ""


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite://{DEFAULT_SQLITE_FILE}"
    secret_key: str = ""
    base_url: str | None = None
    registration_rate: RateLimit = field(default_factory=lambda: RateLimit(30, 60))
    #: Failed staff sign-ins from one client address.
    login_rate: RateLimit = field(default_factory=lambda: RateLimit(10, 60))
    #: A kiosk's look-ups that match nobody (typos, strangers' guesses): see `events.checkin.kiosk`.
    kiosk_rate: RateLimit = field(default_factory=lambda: RateLimit(30, 600))
    #: Failed staff sign-ins against one account, from any address (`events.staff.attempts`).
    login_account_rate: RateLimit = field(default_factory=lambda: RateLimit(10, 600))
    db_pool_min: int = 1
    #: 20, not 10: with 32 door clients, 10 connections queued scans into a p99 of 60-69 ms
    #: and 20 gave 38-42 ms (docs/benchmarks.md).
    db_pool_max: int = 20
    sqlite_synchronous: str = "FULL"
    debug: bool = False
    #: Seconds a staff sign-in lasts in the browser.
    staff_session_seconds: int = 12 * 3600
    mail: MailSettings = field(default_factory=MailSettings)
    #: "text" (uvicorn's lines) or "json" (one object a line, for a log collector).
    log_format: str = "text"
    #: The access log (`TSUDOI_ACCESS_LOG=0` turns it off, when a reverse proxy keeps one).
    access_log: bool = True
    #: Where times that belong to no event are shown (sign-ins, the audit trail).
    timezone: str = "Asia/Tokyo"
    issuer: IssuerSettings = field(default_factory=IssuerSettings)
    #: Host names requests may be addressed to besides TSUDOI_BASE_URL's (`*.example.org`, or `*` for any).
    allowed_hosts: tuple[str, ...] = ()
    #: The address `tsudoi serve` listens on (`http://127.0.0.1:8000`), set by the command itself.
    served_at: str | None = None

    @property
    def mail_origin(self) -> str:
        """Where links in e-mails (and anything else that outlives a request) point: TSUDOI_BASE_URL,
        else the address the server listens on; never the Host of a request, which anyone can forge."""
        if self.base_url:
            return self.base_url
        if self.served_at:
            scheme, _sep, rest = self.served_at.partition("://")
            host, port = split_host(rest)
            return f"{scheme}://{_bracketed('localhost' if host in WILDCARD_ADDRESSES else host)}:{port}"
        return FALLBACK_ORIGIN

    @property
    def host_patterns(self) -> tuple[str, ...] | None:
        """The host names requests may be addressed to (Django's ALLOWED_HOSTS), or None for any.

        TSUDOI_BASE_URL's host and TSUDOI_ALLOWED_HOSTS; without either, a server listening on one
        address answers to that address and this machine's loopback names. A server listening on
        every address with neither set cannot know its public name and answers to any (its e-mails
        still never follow the request's Host).
        """
        patterns = [*self.allowed_hosts]
        if self.base_url:
            patterns.append(split_host(self.base_url.partition("://")[2].partition("/")[0])[0])
        elif not patterns and self.served_at:
            host = split_host(self.served_at.partition("://")[2])[0]
            if host in WILDCARD_ADDRESSES:
                return None
            patterns.extend([host, *LOOPBACK_NAMES])
        if not patterns or "*" in patterns:
            return None
        return tuple(dict.fromkeys(pattern.lower() for pattern in patterns))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None for PostgreSQL or an in-memory database.

        As the contract and Tortoise read it: `sqlite:///abs/path.db` (three slashes) is the absolute
        path /abs/path.db, `sqlite://name.db` (two) is name.db in the working directory, and
        `sqlite:////abs/path.db` (four) is accepted for the absolute path as well.
        """
        if not self.is_sqlite:
            return None
        rest = self.database_url[len("sqlite:") :]
        if rest.startswith("//"):
            rest = rest[2:]
        if rest in {"", ":memory:", "/:memory:"}:
            return None
        if rest.startswith("//"):
            rest = rest[1:]
        return Path(rest)

    @property
    def secure_cookies(self) -> bool:
        return bool(self.base_url and self.base_url.startswith("https://"))

    def with_secret(self) -> Settings:
        """Return settings whose secret key is set: kept beside the SQLite file when none is given."""
        if self.secret_key:
            return self
        path = self.sqlite_path
        if path is None:
            if not self.is_sqlite:
                raise ConfigError("TSUDOI_SECRET_KEY must be set when DATABASE_URL points at PostgreSQL.")
            return replace(self, secret_key=secrets.token_urlsafe(32))
        key_file = path.parent / (path.name + ".secret")
        if key_file.exists():
            private_files.tighten(key_file)  # one made readable by others (copied, say): no longer
            key = key_file.read_text(encoding="ascii").strip()
        else:
            key = secrets.token_urlsafe(32)
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.touch(mode=0o600)
            key_file.write_text(key + "\n", encoding="ascii")
        return replace(self, secret_key=key)


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def served_at(host: str, port: int) -> str:
    """The origin of a server listening on `host` and `port`, as `tsudoi serve` notes it."""
    return f"http://{_bracketed(host)}:{port}"


_HOST_PATTERN = re.compile(r"(\*|(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|[0-9a-f:]+)")


def _allowed_hosts(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("TSUDOI_ALLOWED_HOSTS") or ""
    hosts = tuple(part.strip().lower() for part in re.split(r"[,\s]+", raw) if part.strip())
    for host in hosts:
        if not _HOST_PATTERN.fullmatch(host):
            raise ConfigError(
                f"TSUDOI_ALLOWED_HOSTS has {host!r}, which is not a host name: write names like "
                "forum.example.org or *.example.org (no scheme, no port), separated by commas."
            )
    return hosts


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}.")
    return value


def _refuse_old_relative_form(database_url: str) -> None:
    """`sqlite:///tsudoi.db` once meant tsudoi.db in the working directory; it now means /tsudoi.db
    (the contract's reading). Rather than start an empty database there, say what to write."""
    path = Settings(database_url=database_url).sqlite_path
    if path is None or not database_url.startswith("sqlite:///") or database_url.startswith("sqlite:////"):
        return
    relative = Path(str(path).lstrip("/"))
    if not path.exists() and relative.exists():
        raise ConfigError(
            f"DATABASE_URL={database_url!r} names the absolute path {path}, which does not exist, but "
            f"{relative} is in this folder. For a file in the working directory write "
            f"sqlite://{relative} (two slashes); for an absolute path, sqlite://{Path.cwd() / relative}."
        )


def from_environ(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from environment variables (see the README's configuration table)."""
    env = os.environ if env is None else env
    database_url = env.get("DATABASE_URL", "").strip() or f"sqlite://{DEFAULT_SQLITE_FILE}"
    if database_url.startswith("postgresql://"):
        database_url = "postgres://" + database_url[len("postgresql://") :]
    if not (database_url.startswith("sqlite:") or database_url.startswith("postgres://")):
        raise ConfigError(
            f"DATABASE_URL={database_url!r} is neither sqlite://FILE, sqlite:///ABSOLUTE/FILE "
            "nor postgres://USER@HOST:PORT/DB."
        )
    _refuse_old_relative_form(database_url)
    base_url = (env.get("TSUDOI_BASE_URL") or "").strip().rstrip("/") or None
    if base_url and not re.match(r"https?://[^/\s]+(/\S*)?$", base_url):
        raise ConfigError(f"TSUDOI_BASE_URL={base_url!r} must be an absolute http(s) URL.")
    synchronous = (env.get("TSUDOI_SQLITE_SYNCHRONOUS") or "FULL").strip().upper()
    if synchronous not in {"FULL", "NORMAL", "EXTRA"}:
        raise ConfigError(f"TSUDOI_SQLITE_SYNCHRONOUS={synchronous!r} must be FULL, NORMAL or EXTRA.")
    log_format = (env.get("TSUDOI_LOG_FORMAT") or "text").strip().lower()
    if log_format not in {"text", "json"}:
        raise ConfigError(f"TSUDOI_LOG_FORMAT={log_format!r} must be text or json.")
    timezone = (env.get("TSUDOI_TIMEZONE") or "Asia/Tokyo").strip()
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TSUDOI_TIMEZONE={timezone!r} is not an IANA time zone such as Asia/Tokyo.") from None
    return Settings(
        log_format=log_format,
        access_log=(env.get("TSUDOI_ACCESS_LOG") or "1").strip().lower() not in {"0", "off", "false", "no"},
        timezone=timezone,
        mail=_mail(env),
        issuer=_issuer(env),
        database_url=database_url,
        secret_key=(env.get("TSUDOI_SECRET_KEY") or "").strip(),
        base_url=base_url,
        allowed_hosts=_allowed_hosts(env),
        served_at=(env.get("TSUDOI_SERVED_AT") or "").strip() or None,
        registration_rate=RateLimit.parse(env.get("TSUDOI_REGISTRATION_RATE", "30/minute"), "TSUDOI_REGISTRATION_RATE"),
        login_rate=RateLimit.parse(env.get("TSUDOI_LOGIN_RATE", "10/minute"), "TSUDOI_LOGIN_RATE"),
        kiosk_rate=RateLimit.parse(env.get("TSUDOI_KIOSK_RATE", "30/10minutes"), "TSUDOI_KIOSK_RATE"),
        login_account_rate=RateLimit.parse(
            env.get("TSUDOI_LOGIN_ACCOUNT_RATE", "10/10min"), "TSUDOI_LOGIN_ACCOUNT_RATE"
        ),
        db_pool_min=_int(env, "TSUDOI_DB_POOL_MIN", 1, minimum=1),
        db_pool_max=_int(env, "TSUDOI_DB_POOL_MAX", 20, minimum=1),
        sqlite_synchronous=synchronous,
        debug=(env.get("TSUDOI_DEBUG") or "").strip().lower() in {"1", "true", "yes"},
    )


def _issuer(env: Mapping[str, str]) -> IssuerSettings:
    number = (env.get("TSUDOI_INVOICE_NUMBER") or "").strip().upper()
    if number and not invoice_number_valid(number):
        raise ConfigError(
            f"TSUDOI_INVOICE_NUMBER={number!r} is not a registration number: T and 13 digits, the first a check digit."
        )
    seal = (env.get("TSUDOI_SEAL_IMAGE") or "").strip()
    seal_image = None
    if seal:
        try:
            seal_image = Path(seal).read_bytes()
        except OSError as exc:
            raise ConfigError(f"TSUDOI_SEAL_IMAGE={seal!r} cannot be read: {exc.strerror}.") from None
        if not seal_image.startswith((b"\x89PNG", b"\xff\xd8")):
            raise ConfigError(f"TSUDOI_SEAL_IMAGE={seal!r} must be a PNG or JPEG image.")
    return IssuerSettings(
        name=(env.get("TSUDOI_ISSUER_NAME") or "").strip(),
        address=(env.get("TSUDOI_ISSUER_ADDRESS") or "").strip().replace("\\n", "\n"),
        invoice_number=number,
        tax_rate=_int(env, "TSUDOI_TAX_RATE", 10, minimum=0),
        seal_image=seal_image,
        bank_account=(env.get("TSUDOI_BANK_ACCOUNT") or "").strip().replace("\\n", "\n"),
    )


def _mail(env: Mapping[str, str]) -> MailSettings:
    host = (env.get("TSUDOI_SMTP_HOST") or "").strip() or None
    security = (env.get("TSUDOI_SMTP_SECURITY") or "starttls").strip().lower()
    if security not in {"starttls", "tls", "none"}:
        raise ConfigError(f"TSUDOI_SMTP_SECURITY={security!r} must be starttls, tls or none.")
    default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
    sender = (env.get("TSUDOI_MAIL_FROM") or "").strip() or "Tsudoi <tsudoi@localhost>"
    if "@" not in sender:
        raise ConfigError(f"TSUDOI_MAIL_FROM={sender!r} must be an address, like 'Tsudoi <forum@example.org>'.")
    return MailSettings(
        host=host,
        port=_int(env, "TSUDOI_SMTP_PORT", default_port, minimum=1),
        security=security,
        username=(env.get("TSUDOI_SMTP_USERNAME") or "").strip() or None,
        password=env.get("TSUDOI_SMTP_PASSWORD") or None,
        sender=sender,
        ca_file=(env.get("TSUDOI_SMTP_CA_FILE") or "").strip() or None,
        reminder_hours=_int(env, "TSUDOI_REMINDER_HOURS", 48, minimum=0),
    )

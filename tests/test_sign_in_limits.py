"""The sign-in limits: only failures count, from one address and against one account, and a
refused attempt hashes no password. Device links and the kiosk's PIN are guesses too. Every page
that refuses with 429 says when to try again (Retry-After), as the limiter estimates it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

import httpx
import pytest
from argon2 import PasswordHasher
from starlette.applications import Starlette

from events.errors import RateLimited
from events.ratelimit import rate_limiter
from events.settings import RateLimit, Settings
from events.staff import links
from events.staff import service as staff_service
from events.staff.models import Role
from events.staff.service import keep_to_event, save_staff
from tests.conftest import STAFF_PASSWORD, csrf_token, make_app, post_sign_in, running
from tests.factories import make_event
from tests.test_kiosk import today_event

EN = {"Accept-Language": "en"}
WRONG = "not the password at all"


@asynccontextmanager
async def app_with(settings: Settings, **limits: RateLimit) -> AsyncIterator[Starlette]:
    async with running(make_app(settings, **limits)) as app:
        yield app


@asynccontextmanager
async def browser(app: Starlette, address: str = "198.51.100.7") -> AsyncIterator[httpx.AsyncClient]:
    """A browser at its own client address (a venue's NAT, a stranger's many machines)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=EN) as client:
        yield client


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each password argon2 verifies (argon2's own hasher, counting what it is given)."""
    checked: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            checked.append(str(password))
            return super().verify(hash, password)

    monkeypatch.setattr(staff_service, "_hasher", Counting())
    return checked


def retry_after(answer: httpx.Response) -> int:
    assert "retry-after" in answer.headers, f"a {answer.status_code} says when to try again"
    return int(answer.headers["retry-after"])


# Failures only, from one address


async def test_successful_sign_ins_from_one_address_are_never_refused(settings: Settings) -> None:
    async with app_with(settings, login_rate=RateLimit(3, 60)) as app, browser(app) as venue:
        await save_staff("door@example.org", Role.DOOR, password=STAFF_PASSWORD)

        answers = [(await post_sign_in(venue, "door@example.org")).status_code for _ in range(6)]

    assert answers == [303] * 6, "ten door phones behind one NAT sign in as often as they need"


async def test_failures_from_one_address_are_refused_before_any_password_is_hashed(
    settings: Settings, hashed: list[str]
) -> None:
    async with app_with(settings, login_rate=RateLimit(3, 60)) as app, browser(app) as stranger:
        await save_staff("organizer@example.org", Role.ORGANIZER, password=STAFF_PASSWORD)
        failures = [(await post_sign_in(stranger, "organizer@example.org", WRONG)).status_code for _ in range(3)]
        refused = await post_sign_in(stranger, "organizer@example.org", STAFF_PASSWORD)
        async with browser(app, "203.0.113.9") as organizer:
            elsewhere = await post_sign_in(organizer, "organizer@example.org")

    assert failures == [401, 401, 401]
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.text
    assert hashed.count(STAFF_PASSWORD) == 1, "the refused attempt was not hashed; the one from elsewhere was"
    assert elsewhere.status_code == 303


async def test_many_guesses_sent_at_once_hash_no_more_than_the_limit(settings: Settings, hashed: list[str]) -> None:
    async with app_with(settings, login_rate=RateLimit(3, 60)) as app, browser(app) as stranger:
        await save_staff("organizer@example.org", Role.ORGANIZER, password=STAFF_PASSWORD)
        page = await stranger.get("/staff/login")
        form = {"csrf_token": csrf_token(page.text), "email": "organizer@example.org", "next": "/staff/"}

        answers = await asyncio.gather(
            *(stranger.post("/staff/login", data={**form, "password": f"guess {n}"}) for n in range(12))
        )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [401] * 3 + [429] * 9, statuses
    assert len(hashed) == 3, "each attempt was counted before its password was hashed"


# Failures against one account, from any address


async def test_guesses_at_one_account_from_many_addresses_are_refused(settings: Settings, hashed: list[str]) -> None:
    limits = {"login_rate": RateLimit(3, 60), "login_account_rate": RateLimit(4, 600)}
    async with app_with(settings, **limits) as app:
        await save_staff("organizer@example.org", Role.ORGANIZER, password=STAFF_PASSWORD)
        await save_staff("other@example.org", Role.ORGANIZER, password=STAFF_PASSWORD)
        failures = []
        for n in range(4):
            async with browser(app, f"192.0.2.{n + 1}") as machine:
                failures.append((await post_sign_in(machine, "Organizer@Example.org ", WRONG)).status_code)
        async with browser(app, "192.0.2.99") as fresh:
            refused = await post_sign_in(fresh, "organizer@example.org", STAFF_PASSWORD)
            by_api = await fresh.post("/api/v1/tokens", json={"email": "organizer@example.org", "password": "x"})
            other_account = await post_sign_in(fresh, "other@example.org")

    assert failures == [401] * 4, "each address stays under its own limit"
    assert refused.status_code == 429, "the account's failures are counted whatever the address and spelling"
    assert by_api.status_code == 429 and by_api.json()["error"] == "rate_limited" and retry_after(by_api) > 60
    assert other_account.status_code == 303, "another account is not affected"
    assert hashed == [WRONG] * 4 + [STAFF_PASSWORD], "the refused sign-ins hashed nothing"


async def test_successful_sign_ins_do_not_count_against_the_account(settings: Settings) -> None:
    async with app_with(settings, login_account_rate=RateLimit(2, 600)) as app:
        await save_staff("door@example.org", Role.DOOR, password=STAFF_PASSWORD)
        answers = []
        for n in range(5):
            async with browser(app, f"192.0.2.{n + 1}") as phone:
                answers.append((await post_sign_in(phone, "door@example.org")).status_code)
        async with browser(app) as phone:
            one_mistake = (await post_sign_in(phone, "door@example.org", WRONG)).status_code
            then_right = (await post_sign_in(phone, "door@example.org")).status_code

    assert answers == [303] * 5 and (one_mistake, then_right) == (401, 303)


# Other password-like guesses


async def test_guessed_device_links_are_refused_and_real_ones_are_not_counted(settings: Settings) -> None:
    async with app_with(settings, login_rate=RateLimit(2, 60)) as app:
        event = await make_event()
        door = await save_staff("door-device@example.org", Role.DOOR)
        await keep_to_event(door, event)
        async with browser(app) as phone:
            for _ in range(4):
                issued = await links.issue(door)
                confirm = await phone.get(f"/staff/link/{issued.token}")
                used = await phone.post(f"/staff/link/{issued.token}", data={"csrf_token": csrf_token(confirm.text)})
                assert used.status_code == 303, "a real link signs the phone in, however often"
        async with browser(app, "203.0.113.66") as guesser:
            guesses = [(await guesser.get(f"/staff/link/guess-{n}")).status_code for n in range(2)]
            refused = await guesser.get("/staff/link/guess-3")
            real = await links.issue(door)
            refused_real = await guesser.get(f"/staff/link/{real.token}")

    assert guesses == [410, 410]
    assert refused.status_code == 429 and retry_after(refused) >= 1 and "Too many failed sign-ins" in refused.text
    assert refused_real.status_code == 429, "past the limit the address is refused before the link is looked up"


async def test_wrong_kiosk_pins_are_limited_and_the_kiosk_stays(settings: Settings, hashed: list[str]) -> None:
    async with app_with(settings, login_rate=RateLimit(3, 60)) as app, browser(app) as tablet:
        event = await today_event()
        kiosk = await save_staff("kiosk@example.org", Role.KIOSK, password=STAFF_PASSWORD)
        await keep_to_event(kiosk, event)
        await post_sign_in(tablet, kiosk.email)
        screen = await tablet.get("/staff/events/workshop/kiosk")
        form = {"csrf_token": csrf_token(screen.text)}
        hashed.clear()

        wrong = [await tablet.post("/staff/events/workshop/kiosk/exit", data={**form, "pin": "0000"}) for _ in range(3)]
        limited = await tablet.post("/staff/events/workshop/kiosk/exit", data={**form, "pin": STAFF_PASSWORD})
        shown = await tablet.get(limited.headers["location"])
        still = await tablet.get("/staff/events/workshop/kiosk")

    assert all(answer.headers["location"].endswith("pin=wrong") for answer in wrong)
    assert limited.status_code == 303 and limited.headers["location"].endswith("pin=wait")
    assert "Too many wrong PINs" in shown.text
    assert still.status_code == 200, "the kiosk stays a kiosk"
    assert hashed == ["0000"] * 3, "the PIN tried past the limit was not hashed"


# Retry-After on every page that answers 429


async def test_the_sign_in_page_says_when_to_try_again(settings: Settings) -> None:
    async with app_with(settings, login_rate=RateLimit(1, 60)) as app, browser(app) as stranger:
        await post_sign_in(stranger, "nobody@example.org", WRONG)
        refused = await post_sign_in(stranger, "nobody@example.org", WRONG)

    assert refused.status_code == 429 and 1 <= retry_after(refused) <= 120
    assert "Please wait" in refused.text and 'role="alert"' in refused.text


async def test_the_registration_form_says_when_to_try_again(settings: Settings) -> None:
    async with app_with(settings, registration_rate=RateLimit(1, 60)) as app, browser(app) as client:
        await make_event()
        form = {"csrf_token": csrf_token((await client.get("/events/workshop")).text), "name": "A"}
        first = await client.post("/events/workshop", data=form)
        refused = await client.post("/events/workshop", data=form)

    assert first.status_code == 422 and refused.status_code == 429
    assert 1 <= retry_after(refused) <= 120


async def test_send_me_my_link_again_says_when_to_try_again(settings: Settings) -> None:
    async with app_with(settings, registration_rate=RateLimit(1, 60)) as app, browser(app) as client:
        await make_event()
        form = {"csrf_token": csrf_token((await client.get("/events/workshop")).text), "email": "a@example.org"}
        first = await client.post("/events/workshop/link", data=form)
        refused = await client.post("/events/workshop/link", data=form)

    assert first.status_code == 303 and refused.status_code == 429
    assert 1 <= retry_after(refused) <= 120


# The limiter's own estimate, on this engine's limiter (memory on SQLite, the table on PostgreSQL)

START = 1_000_000 * 60.0  # the start of a window, for the hits' times


async def refused_for(limiter: Any, client: str, at: float) -> int | None:
    """Seconds the limiter asks to wait at `at`, or None when it lets the attempt through."""
    try:
        window = await limiter.take(client, at)
    except RateLimited as exc:
        return exc.retry_after
    await limiter.give_back(client, window)
    return None


@pytest.mark.parametrize("last_failure", [0.0, 30.0, 50.0], ids=["early", "middle", "late"])
async def test_retry_after_is_when_the_limiter_lets_the_next_attempt_through(db: Settings, last_failure: float) -> None:
    limiter = rate_limiter("login", RateLimit(3, 60), db)
    for _ in range(3):
        await limiter.take("203.0.113.1", START + last_failure)

    wait = await refused_for(limiter, "203.0.113.1", START + last_failure + 1)
    assert wait is not None, "the fourth failure in a minute is refused"
    too_soon = await refused_for(limiter, "203.0.113.1", START + last_failure + wait)
    in_time = await refused_for(limiter, "203.0.113.1", START + last_failure + 1 + wait)

    assert too_soon is not None, f"a second before Retry-After ({wait} s) is still refused"
    assert in_time is None, f"after Retry-After ({wait} s) the attempt goes through"


async def test_an_attempt_refused_does_not_count_and_one_that_succeeds_is_given_back(db: Settings) -> None:
    limiter = rate_limiter("login_account", RateLimit(2, 600), db)
    for _ in range(5):
        window = await limiter.take("account", START)
        await limiter.give_back("account", window)
    await limiter.take("account", START)
    await limiter.take("account", START)
    refused = [await refused_for(limiter, "account", START + 1) for _ in range(5)]
    wait = refused[0]

    assert wait is not None and refused == [wait] * 5, "the same wait, however often it is asked"
    assert await refused_for(limiter, "account", START + 1 + wait) is None, "hammering did not prolong the wait"

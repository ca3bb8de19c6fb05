"""Staff sign-ins kept server-side: signing out ends the sign-in itself, not only the browser's
cookie, so a copy of that cookie is refused afterwards; the other browsers of the same account
(the phones of one shared door account) stay signed in; a new password, the account's removal,
leaving a kiosk and an organizer's "sign out everywhere" end what they should."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from events import clock
from events.app import SESSION_COOKIE
from events.staff.models import Role, StaffSession
from events.staff.service import deactivate, keep_to_event, reset_password, save_staff
from tests.conftest import STAFF_PASSWORD, csrf_token, post_sign_in
from tests.factories import make_event
from tests.test_kiosk import today_event

pytestmark = pytest.mark.usefixtures("app")

EN = {"Accept-Language": "en"}


@asynccontextmanager
async def browser(app: Starlette, cookie: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of its own; `cookie`: a copy of another browser's session cookie, sent as it was."""
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else None
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as client:
        yield client


async def signed_in_browser(app: Starlette, email: str, password: str = STAFF_PASSWORD) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    answer = await post_sign_in(client, email, password)
    assert answer.status_code == 303, f"{email} signs in"
    return client


async def is_signed_in(client: httpx.AsyncClient) -> bool:
    answer = await client.get("/staff/", headers=EN)
    assert answer.status_code in (200, 303), answer.text
    return answer.status_code == 200


async def sign_out(client: httpx.AsyncClient) -> None:
    home = await client.get("/staff/", headers=EN)
    answer = await client.post("/staff/logout", data={"csrf_token": csrf_token(home.text)})
    assert answer.status_code == 303


def session_id(cookie: str) -> str:
    """The sign-in's random id, read out of the signed cookie (base64 JSON before the signature)."""
    data = cookie.split(".")[0]
    return str(json.loads(base64.b64decode(data + "=" * (-len(data) % 4)))["staff_session"])


async def test_a_copied_cookie_is_refused_after_signing_out_and_another_browser_stays(app: Starlette) -> None:
    await save_staff("door@example.org", Role.DOOR, password=STAFF_PASSWORD)
    first = await signed_in_browser(app, "door@example.org")
    second = await signed_in_browser(app, "door@example.org")
    copied = first.cookies[SESSION_COOKIE]
    async with browser(app, copied) as thief:
        assert await is_signed_in(thief), "before signing out, the copy works as the browser does"

        await sign_out(first)

        assert not await is_signed_in(thief), "the copied cookie is refused once its sign-in has ended"
    assert not await is_signed_in(first)
    assert await is_signed_in(second), "the other door phone of the same account stays signed in"
    await first.aclose()
    await second.aclose()


async def test_a_sign_in_is_kept_only_as_the_hash_of_its_random_id(app: Starlette) -> None:
    await save_staff("organizer@example.org", Role.ORGANIZER, password=STAFF_PASSWORD)
    client = await signed_in_browser(app, "organizer@example.org")

    token = session_id(client.cookies[SESSION_COOKIE])
    (row,) = await StaffSession.all()

    assert len(token) >= 40 and row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    await client.aclose()


async def test_a_reset_password_signs_every_browser_of_the_account_out(app: Starlette) -> None:
    door = await save_staff("door@example.org", Role.DOOR, password=STAFF_PASSWORD)
    phones = [await signed_in_browser(app, door.email) for _ in range(2)]

    await reset_password(door.id)

    assert [await is_signed_in(phone) for phone in phones] == [False, False]
    for phone in phones:
        await phone.aclose()


async def test_a_password_set_from_the_command_line_signs_every_browser_out(app: Starlette) -> None:
    await save_staff("organizer@example.org", Role.ORGANIZER, password=STAFF_PASSWORD)
    laptop = await signed_in_browser(app, "organizer@example.org")

    await save_staff("organizer@example.org", Role.ORGANIZER, password="a brand new password")

    assert not await is_signed_in(laptop)
    await laptop.aclose()


async def test_a_removed_account_invited_again_finds_its_old_browsers_signed_out(app: Starlette) -> None:
    boss = await save_staff("organizer@example.org", Role.ORGANIZER, password=STAFF_PASSWORD)
    door = await save_staff("door@example.org", Role.DOOR, password=STAFF_PASSWORD)
    phone = await signed_in_browser(app, door.email)
    cookie = phone.cookies[SESSION_COOKIE]  # as the phone keeps it, should it not ask while removed

    await deactivate(door.id, by=boss)
    assert not await is_signed_in(phone), "a removed account is signed out at once"
    await save_staff("door@example.org", Role.DOOR)  # the account is active again (same password)

    async with browser(app, cookie) as kept:
        assert not await is_signed_in(kept), "coming back does not revive the browsers signed in before"
    await phone.aclose()


async def test_leaving_the_kiosk_ends_the_kiosks_sign_in(app: Starlette) -> None:
    event = await today_event()
    kiosk = await save_staff("kiosk@example.org", Role.KIOSK, password=STAFF_PASSWORD)
    await keep_to_event(kiosk, event)
    tablet = await signed_in_browser(app, kiosk.email)
    copied = tablet.cookies[SESSION_COOKIE]
    screen = await tablet.get("/staff/events/workshop/kiosk")

    left = await tablet.post(
        "/staff/events/workshop/kiosk/exit", data={"csrf_token": csrf_token(screen.text), "pin": STAFF_PASSWORD}
    )

    assert left.status_code == 303 and "/staff/login" in left.headers["location"]
    async with browser(app, copied) as thief:
        kiosk_screen = await thief.get("/staff/events/workshop/kiosk")
    assert kiosk_screen.status_code == 303 and "/staff/login" in kiosk_screen.headers["location"], (
        "a copy of the kiosk's cookie no longer opens the kiosk"
    )
    await tablet.aclose()


async def test_an_organizer_signs_a_lost_door_phone_out_from_the_accounts_page(app: Starlette) -> None:
    await save_staff("organizer@example.org", Role.ORGANIZER, password=STAFF_PASSWORD)
    door = await save_staff("door@example.org", Role.DOOR, password=STAFF_PASSWORD)
    phones = [await signed_in_browser(app, door.email) for _ in range(2)]
    organizer = await signed_in_browser(app, "organizer@example.org")

    accounts = await organizer.get("/staff/accounts", headers=EN)
    confirm = await organizer.get(f"/staff/accounts/{door.id}/sign-out", headers=EN)
    done = await organizer.post(
        f"/staff/accounts/{door.id}/sign-out", data={"csrf_token": csrf_token(confirm.text)}, headers=EN
    )
    back = await organizer.get(done.headers["location"], headers=EN)

    assert f"/staff/accounts/{door.id}/sign-out" in accounts.text, "each account offers it"
    assert confirm.status_code == 200 and "It is signed in on 2 browsers now." in confirm.text
    assert done.status_code == 303
    assert "door@example.org has been signed out of every browser." in back.text
    assert [await is_signed_in(phone) for phone in phones] == [False, False]
    assert await is_signed_in(organizer)
    for client in [*phones, organizer]:
        await client.aclose()


async def test_an_organizer_signing_themselves_out_everywhere_keeps_this_browser(app: Starlette) -> None:
    boss = await save_staff("organizer@example.org", Role.ORGANIZER, password=STAFF_PASSWORD)
    lost_phone = await signed_in_browser(app, boss.email)
    laptop = await signed_in_browser(app, boss.email)

    confirm = await laptop.get(f"/staff/accounts/{boss.id}/sign-out", headers=EN)
    await laptop.post(f"/staff/accounts/{boss.id}/sign-out", data={"csrf_token": csrf_token(confirm.text)})

    assert not await is_signed_in(lost_phone)
    assert await is_signed_in(laptop), "the browser that asked stays signed in"
    await lost_phone.aclose()
    await laptop.aclose()


async def test_a_sign_in_lasts_while_it_is_used_and_ends_when_left_alone(app: Starlette) -> None:
    await save_staff("door@example.org", Role.DOOR, password=STAFF_PASSWORD)
    phone = await signed_in_browser(app, "door@example.org")
    lifetime = timedelta(seconds=app.state.settings.staff_session_seconds)

    await StaffSession.all().update(expires_at=clock.now() + timedelta(hours=1))
    used = await is_signed_in(phone)
    moved_on = (await StaffSession.get()).expires_at
    await StaffSession.all().update(expires_at=clock.now() - timedelta(seconds=1))
    left_alone = await is_signed_in(phone)

    assert used and moved_on > clock.now() + lifetime - timedelta(minutes=10), "using it moves its end on"
    assert not left_alone, "past its end the sign-in is refused"
    await phone.aclose()


async def test_ended_and_expired_sign_ins_are_deleted_at_the_next_sign_in(app: Starlette) -> None:
    await save_staff("door@example.org", Role.DOOR, password=STAFF_PASSWORD)
    signed_out, expired, kept = [await signed_in_browser(app, "door@example.org") for _ in range(3)]
    await sign_out(signed_out)
    expired_id = session_id(expired.cookies[SESSION_COOKIE])
    await StaffSession.filter(token_hash=hashlib.sha256(expired_id.encode()).hexdigest()).update(
        expires_at=clock.now() - timedelta(seconds=1)
    )

    newest = await signed_in_browser(app, "door@example.org")

    assert await StaffSession.all().count() == 2, "only the two live sign-ins are left"
    assert await is_signed_in(kept) and await is_signed_in(newest)
    for client in (signed_out, expired, kept, newest):
        await client.aclose()


async def test_an_event_page_still_works_for_a_door_phone_signed_in_by_a_link(app: Starlette) -> None:
    """The device link makes a sign-in of its own, as a password does."""
    from events.staff import links

    event = await make_event()
    door = await save_staff("door-device@example.org", Role.DOOR)
    await keep_to_event(door, event)
    issued = await links.issue(door)
    async with browser(app) as phone:
        confirm = await phone.get(f"/staff/link/{issued.token}", headers=EN)
        signed_in = await phone.post(f"/staff/link/{issued.token}", data={"csrf_token": csrf_token(confirm.text)})
        scanner = await phone.get("/staff/events/workshop/scan", headers=EN)
        copied = phone.cookies[SESSION_COOKIE]
        await sign_out(phone)
    async with browser(app, copied) as thief:
        after = await thief.get("/staff/events/workshop/scan", headers=EN)

    assert signed_in.status_code == 303 and scanner.status_code == 200
    assert after.status_code == 303, "the link's sign-in ends at sign-out like any other"

"""Signing a door phone or a kiosk tablet in with a one-time link: an organizer shows its QR code,
the device opens it and is signed in, once, within ten minutes, and never as an organizer."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from events import clock
from events.program.models import Event
from events.staff import links
from events.staff.models import Role, SignInLink, StaffAccount
from events.staff.service import save_staff
from tests.conftest import csrf_token, sign_in
from tests.factories import make_event
from tests.test_pages import decoded_svg_qr

pytestmark = pytest.mark.usefixtures("app")

EN = {"Accept-Language": "en"}


async def door_kept_to(event: Event, role: Role = Role.DOOR) -> StaffAccount:
    account = await save_staff(f"{role}-device@example.org", role)
    account.event_id = event.id  # type: ignore[attr-defined]
    await account.save()
    return account


async def issued_link(organizer: httpx.AsyncClient, account: StaffAccount) -> tuple[str, httpx.Response]:
    """The organizer's press of "Sign a device in": the link read back from the page's QR code."""
    accounts = await organizer.get("/staff/accounts", headers=EN)
    page = await organizer.post(
        f"/staff/accounts/{account.id}/link", data={"csrf_token": csrf_token(accounts.text)}, headers=EN
    )
    assert page.status_code == 200, page.text
    svg = re.search(r'<figure class="sign-in-qr">(.*?)</figure>', page.text, re.S)
    assert svg, "the page shows the link's QR code"
    [url] = decoded_svg_qr(svg.group(1))
    return url, page


async def use(device: httpx.AsyncClient, url: str) -> httpx.Response:
    """The device opens the link, and taps Sign in."""
    confirm = await device.get(url, headers=EN)
    assert confirm.status_code == 200, confirm.text
    return await device.post(url, data={"csrf_token": csrf_token(confirm.text)}, headers=EN)


async def test_a_door_phone_scans_the_code_and_lands_on_its_events_scanner(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    event = await make_event()
    door = await door_kept_to(event)
    await sign_in(client, Role.ORGANIZER)
    url, page = await issued_link(client, door)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as device:
        signed_in = await use(device, url)
        scanner = await device.get(signed_in.headers["location"], headers=EN)

    assert url.startswith("http://testserver/staff/link/") and url in page.text
    assert signed_in.status_code == 303 and signed_in.headers["location"].endswith("/staff/events/workshop/scan")
    assert scanner.status_code == 200 and "door-device@example.org" in scanner.text, "signed in as the door account"
    assert (await SignInLink.get(staff_id=door.id)).used_at is not None


async def test_a_kiosk_tablet_lands_on_its_kiosk_screen(client: httpx.AsyncClient, app: Starlette) -> None:
    event = await make_event()
    kiosk = await door_kept_to(event, Role.KIOSK)
    await sign_in(client, Role.ORGANIZER)
    url, _page = await issued_link(client, kiosk)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as device:
        signed_in = await use(device, url)

    assert signed_in.headers["location"].endswith("/staff/events/workshop/kiosk")


async def test_a_link_works_once_and_opening_it_uses_nothing(client: httpx.AsyncClient, app: Starlette) -> None:
    event = await make_event()
    door = await door_kept_to(event)
    await sign_in(client, Role.ORGANIZER)
    url, _page = await issued_link(client, door)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as preview:
        opened_twice = [(await preview.get(url, headers=EN)).status_code for _ in range(2)]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as first:
        used = await use(first, url)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as second:
        again = await second.get(url, headers=EN)

    assert opened_twice == [200, 200], "a link preview or prefetch does not use it up"
    assert used.status_code == 303
    assert again.status_code == 410 and "has been used already, or it has expired" in again.text


async def test_an_expired_link_signs_nobody_in() -> None:
    event = await make_event()
    issued = await links.issue(await door_kept_to(event))
    await SignInLink.filter(staff_id=issued.account.id).update(expires_at=clock.now() - timedelta(seconds=1))

    assert await links.account_of(issued.token) is None
    assert await links.redeem(issued.token) is None


async def test_links_long_expired_are_deleted_when_a_new_one_is_made() -> None:
    event = await make_event()
    door = await door_kept_to(event)
    old = await links.issue(door)
    recent = await links.issue(door)
    await SignInLink.filter(token_hash=links._hash(old.token)).update(expires_at=clock.now() - timedelta(days=2))
    await SignInLink.filter(token_hash=links._hash(recent.token)).update(expires_at=clock.now() - timedelta(hours=1))

    await links.issue(door)

    kept = {link.token_hash for link in await SignInLink.all()}
    assert links._hash(old.token) not in kept, "a link expired two days ago is gone"
    assert links._hash(recent.token) in kept, "one expired an hour ago is kept for now"
    assert len(kept) == 2


async def test_two_devices_using_one_link_at_once_sign_in_one() -> None:
    event = await make_event()
    issued = await links.issue(await door_kept_to(event))

    accounts = await asyncio.gather(*(links.redeem(issued.token) for _ in range(10)))

    assert sum(account is not None for account in accounts) == 1


async def test_no_link_is_made_for_an_organizer_or_by_a_door_account(client: httpx.AsyncClient) -> None:
    organizer = await sign_in(client, Role.ORGANIZER)
    accounts = await client.get("/staff/accounts", headers=EN)

    for_organizer = await client.post(
        f"/staff/accounts/{organizer.id}/link", data={"csrf_token": csrf_token(accounts.text)}, headers=EN
    )
    client.cookies.clear()
    await sign_in(client, Role.DOOR)
    home = await client.get("/staff/", headers=EN)
    by_door = await client.post(f"/staff/accounts/{organizer.id}/link", data={"csrf_token": csrf_token(home.text)})

    assert for_organizer.status_code == 409 and "their own password" in for_organizer.text
    assert by_door.status_code == 403
    assert not await SignInLink.exists()


async def test_a_removed_accounts_link_signs_nobody_in() -> None:
    event = await make_event()
    account = await door_kept_to(event)
    issued = await links.issue(account)
    account.is_active = False
    await account.save()

    assert await links.redeem(issued.token) is None

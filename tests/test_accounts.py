"""Staff accounts: organizers invite, remove and reset door and organizer accounts in the staff area."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from starlette.applications import Starlette

from events.errors import Conflict, InvalidInput
from events.staff import service as staff
from events.staff.audit import AuditEntry
from events.staff.models import Role, StaffAccount
from events.staff.schemas import AccountInput
from events.staff.service import (
    CannotRemove,
    authenticate_password,
    authenticate_token,
    deactivate,
    invite,
    issue_token,
    reset_password,
    save_staff,
)
from events.validation import parse
from tests.conftest import csrf_token, post_sign_in
from tests.factories import make_event

PASSWORD = "correct horse battery"


def invitation(email: str, role: str = "door", **changes: str) -> AccountInput:
    return parse(AccountInput, {"email": email, "role": role, **changes})


async def organizer(email: str = "organizer@example.org") -> StaffAccount:
    return await save_staff(email, Role.ORGANIZER, password=PASSWORD)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> None:
    answer = await post_sign_in(client, email, password)
    assert answer.status_code == 303, f"{email} signs in"


def shown_password(html: str) -> str:
    match = re.search(r'<p class="password"><code>([^<]+)</code>', html)
    assert match, "the page shows the one-time password"
    return match.group(1)


# The rules, through the service


async def test_an_invited_door_volunteer_signs_in_with_the_one_time_password(db: object) -> None:
    event = await make_event()

    invited = await invite(invitation("Volunteer@Example.org", name="Aoki", event="workshop"))
    signed_in = await authenticate_password("volunteer@example.org", invited.password)

    assert signed_in is not None and signed_in.id == invited.account.id
    assert signed_in.role == Role.DOOR and signed_in.event_id == event.id  # type: ignore[attr-defined]
    assert invited.account.email == "volunteer@example.org" and invited.account.name == "Aoki"
    stored = await StaffAccount.get(id=invited.account.id)
    assert stored.password_hash and invited.password not in stored.password_hash, "only a hash is kept"


async def test_inviting_an_address_that_already_has_an_account_is_refused(db: object) -> None:
    await organizer("taken@example.org")

    with pytest.raises(InvalidInput) as refused:
        await invite(invitation("TAKEN@example.org"))

    assert "email" in refused.value.fields


async def test_inviting_for_an_unknown_event_is_refused_next_to_the_event_field(db: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        await invite(invitation("door@example.org", event="no-such-event"))

    assert "event" in refused.value.fields and not await StaffAccount.exists(email="door@example.org")


async def test_a_removed_account_can_neither_sign_in_nor_use_its_tokens(db: object) -> None:
    boss = await organizer()
    door = await save_staff("door@example.org", Role.DOOR, password=PASSWORD)
    token = await issue_token(door)
    assert await authenticate_token(token) is not None, "the token works, and is now remembered in this process"

    await deactivate(door.id, by=boss)

    assert await authenticate_token(token) is None, "the remembered token is forgotten at once"
    assert await authenticate_password("door@example.org", PASSWORD) is None
    assert not (await StaffAccount.get(id=door.id)).is_active


async def test_an_organizer_cannot_remove_their_own_account(db: object) -> None:
    boss = await organizer()
    await organizer("other@example.org")

    with pytest.raises(CannotRemove):
        await deactivate(boss.id, by=boss)

    assert (await StaffAccount.get(id=boss.id)).is_active


@pytest.mark.usefixtures("english")
async def test_the_last_organizer_who_reaches_every_event_stays(db: object) -> None:
    event = await make_event()
    first = await organizer("first@example.org")
    second = await organizer("second@example.org")
    limited = await organizer("limited@example.org")
    limited.event_id = event.id
    await limited.save()

    await deactivate(second.id, by=first)
    with pytest.raises(CannotRemove) as refused:
        await deactivate(first.id, by=limited)

    assert "last organizer" in refused.value.message
    assert (await StaffAccount.get(id=first.id)).is_active


async def test_two_organizers_removing_each_other_at_once_leave_one_of_them(db: object) -> None:
    first = await organizer("first@example.org")
    second = await organizer("second@example.org")

    outcomes = await asyncio.gather(
        deactivate(second.id, by=first), deactivate(first.id, by=second), return_exceptions=True
    )

    refused = [outcome for outcome in outcomes if isinstance(outcome, CannotRemove)]
    assert len(refused) == 1, f"exactly one removal goes through: {outcomes}"
    assert await StaffAccount.filter(role=Role.ORGANIZER, is_active=True).count() == 1


async def test_a_removed_address_invited_again_comes_back_with_the_new_role_and_a_new_password(db: object) -> None:
    boss = await organizer()
    old = await invite(invitation("person@example.org", role="organizer"))
    await deactivate(old.account.id, by=boss)

    again = await invite(invitation("person@example.org", role="door"))

    assert again.account.id == old.account.id and again.account.is_active and again.account.role == Role.DOOR
    assert await authenticate_password("person@example.org", old.password) is None
    assert await authenticate_password("person@example.org", again.password) is not None


async def test_a_reset_password_replaces_the_old_one(db: object) -> None:
    door = await save_staff("door@example.org", Role.DOOR, password=PASSWORD)

    reset = await reset_password(door.id)

    assert await authenticate_password("door@example.org", PASSWORD) is None
    assert await authenticate_password("door@example.org", reset.password) is not None


async def test_a_removed_account_gets_no_new_password(db: object) -> None:
    boss = await organizer()
    door = await save_staff("door@example.org", Role.DOOR, password=PASSWORD)
    await deactivate(door.id, by=boss)

    with pytest.raises(Conflict):
        await reset_password(door.id)


async def test_the_list_shows_active_accounts_first_organizers_before_door(db: object) -> None:
    boss = await organizer("b-organizer@example.org")
    await save_staff("a-door@example.org", Role.DOOR)
    gone = await save_staff("a-gone@example.org", Role.ORGANIZER)
    await deactivate(gone.id, by=boss)

    emails = [account.email for account in await staff.list_accounts()]

    assert emails == ["b-organizer@example.org", "a-door@example.org", "a-gone@example.org"]


# The pages


async def test_an_organizer_invites_a_door_volunteer_who_then_signs_in(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    await make_event()
    await organizer()
    await sign_in(client, "organizer@example.org")

    form = await client.get("/staff/accounts/new?lang=en")
    done = await client.post(
        "/staff/accounts/new",
        data={
            "csrf_token": csrf_token(form.text),
            "email": "volunteer@example.org",
            "name": "Maria Santos",
            "role": "door",
            "event": "workshop",
        },
    )
    listing = await client.get("/staff/accounts?lang=en")

    assert done.status_code == 200 and "e-mail" in done.text, "the page says there is no e-mail yet"
    password = shown_password(done.text)
    assert done.headers["cache-control"] == "no-store", "the password page is not cached"
    assert "volunteer@example.org" in listing.text and "Maria Santos" in listing.text
    assert "全国ワークショップ" in listing.text, "the event the account is limited to"
    assert password not in listing.text, "the password is shown only once"
    token = await client.post("/api/v1/tokens", json={"email": "volunteer@example.org", "password": password})
    assert token.status_code == 201 and token.json()["role"] == "door"


async def test_the_invite_form_shows_each_problem_next_to_its_field_and_keeps_what_was_typed(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    await organizer()
    await sign_in(client, "organizer@example.org")
    form = await client.get("/staff/accounts/new?lang=en")

    answer = await client.post(
        "/staff/accounts/new",
        data={"csrf_token": csrf_token(form.text), "email": "not an address", "name": "山田 花子", "role": "boss"},
    )

    assert answer.status_code == 422
    assert 'id="f-email-error"' in answer.text and 'id="f-role-error"' in answer.text
    assert 'value="not an address"' in answer.text and 'value="山田 花子"' in answer.text
    assert not await StaffAccount.exists(name="山田 花子")


async def test_an_organizer_removes_an_account_and_its_scanner_token_stops_working(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    await make_event()
    await organizer()
    door = await save_staff("door@example.org", Role.DOOR, password=PASSWORD)
    token = await issue_token(door)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/events/workshop/registrations", headers=headers)).status_code == 200
    await sign_in(client, "organizer@example.org")

    confirm = await client.get(f"/staff/accounts/{door.id}/remove?lang=en")
    removed = await client.post(f"/staff/accounts/{door.id}/remove", data={"csrf_token": csrf_token(confirm.text)})
    listing = await client.get(removed.headers["location"] + "&lang=en")
    after = await client.get("/api/v1/events/workshop/registrations", headers=headers)

    assert confirm.status_code == 200 and "door@example.org" in confirm.text
    assert removed.status_code == 303 and "door@example.org has been removed" in listing.text
    assert after.status_code == 401, "the token stops working at once"


async def test_an_organizer_cannot_remove_themselves_through_the_page(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    boss = await organizer()
    await sign_in(client, "organizer@example.org")
    confirm = await client.get(f"/staff/accounts/{boss.id}/remove?lang=en")

    answer = await client.post(f"/staff/accounts/{boss.id}/remove", data={"csrf_token": csrf_token(confirm.text)})

    assert answer.status_code == 409 and "your own account" in answer.text
    assert (await client.get("/staff/accounts")).status_code == 200, "still signed in"


async def test_an_organizer_resets_a_password_and_sees_the_new_one_once(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    await organizer()
    door = await save_staff("door@example.org", Role.DOOR, password=PASSWORD)
    await sign_in(client, "organizer@example.org")

    confirm = await client.get(f"/staff/accounts/{door.id}/password?lang=en")
    done = await client.post(f"/staff/accounts/{door.id}/password", data={"csrf_token": csrf_token(confirm.text)})

    assert done.status_code == 200
    assert await authenticate_password("door@example.org", shown_password(done.text)) is not None
    assert await authenticate_password("door@example.org", PASSWORD) is None


async def test_an_unknown_account_is_not_found(app: Starlette, client: httpx.AsyncClient) -> None:
    await organizer()
    await sign_in(client, "organizer@example.org")

    assert (await client.get("/staff/accounts/9999/remove")).status_code == 404
    assert (await client.get("/staff/accounts/nine/password")).status_code == 404


ACCOUNT_PAGES = [
    ("GET", "/staff/accounts"),
    ("GET", "/staff/accounts/new"),
    ("POST", "/staff/accounts/new"),
    ("GET", "/staff/accounts/{id}/remove"),
    ("POST", "/staff/accounts/{id}/remove"),
    ("GET", "/staff/accounts/{id}/password"),
    ("POST", "/staff/accounts/{id}/password"),
    ("POST", "/staff/accounts/{id}/link"),
    ("GET", "/staff/accounts/{id}/sign-out"),
    ("POST", "/staff/accounts/{id}/sign-out"),
]


@pytest.mark.parametrize(("method", "path"), ACCOUNT_PAGES)
async def test_a_door_account_gets_403_on_every_account_page(
    app: Starlette, client: httpx.AsyncClient, method: str, path: str
) -> None:
    boss = await organizer()
    await save_staff("door@example.org", Role.DOOR, password=PASSWORD)
    await sign_in(client, "door@example.org")
    token = csrf_token((await client.get("/staff/")).text)

    answer = await client.request(
        method, path.replace("{id}", str(boss.id)), data={"csrf_token": token} if method == "POST" else None
    )

    assert answer.status_code == 403
    assert (await StaffAccount.get(id=boss.id)).is_active


async def test_an_organizer_limited_to_one_event_cannot_manage_accounts(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    event = await make_event()
    limited = await organizer()
    limited.event_id = event.id
    await limited.save()
    await sign_in(client, "organizer@example.org")

    assert (await client.get("/staff/accounts")).status_code == 403


async def test_the_account_forms_need_their_csrf_token(app: Starlette, client: httpx.AsyncClient) -> None:
    await organizer()
    door = await save_staff("door@example.org", Role.DOOR, password=PASSWORD)
    await sign_in(client, "organizer@example.org")

    invited = await client.post("/staff/accounts/new", data={"email": "x@example.org", "role": "door"})
    removed = await client.post(f"/staff/accounts/{door.id}/remove", data={"csrf_token": "forged"})

    assert invited.status_code == removed.status_code == 403
    assert not await StaffAccount.exists(email="x@example.org") and (await StaffAccount.get(id=door.id)).is_active


async def test_the_dashboard_links_to_the_accounts_for_organizers_only(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    await organizer()
    await save_staff("door@example.org", Role.DOOR, password=PASSWORD)

    await sign_in(client, "organizer@example.org")
    as_organizer = await client.get("/staff/")
    await sign_in(client, "door@example.org")
    as_door = await client.get("/staff/")

    assert "/staff/accounts" in as_organizer.text and "/staff/accounts" not in as_door.text


async def test_a_password_reset_signs_out_every_browser_signed_in_before(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    account = await save_staff("someone@example.org", Role.ORGANIZER, password=PASSWORD)
    await sign_in(client, "someone@example.org")
    assert (await client.get("/staff/")).status_code == 200, "signed in"

    await reset_password(account.id)
    answer = await client.get("/staff/")

    assert answer.status_code == 303 and "/staff/login" in answer.headers["location"], "the old cookie is dead"


async def test_signing_in_is_in_the_audit_trail(app: Starlette, client: httpx.AsyncClient) -> None:
    await save_staff("someone@example.org", Role.ORGANIZER, password=PASSWORD)

    await sign_in(client, "someone@example.org")

    entries = [(entry.staff_email, entry.action) for entry in await AuditEntry.all()]
    assert entries == [("someone@example.org", "staff_login")]

"""The member roster: imported all or nothing, matched by address, domain or number, and the
member price given either way, with "membership to confirm" for the desk when nothing matches."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
import pytest
from tortoise import connections

from events.database import own_connection, supports_row_locks, tortoise_config
from events.members import roster
from events.members.models import Member, MemberAddress, Membership
from events.postgres_backend import PostgresClient
from events.program.models import Event
from events.registrations.admin import RegistrationEdit, confirm_membership, edit_registration
from events.registrations.importing import carry_out
from events.registrations.importing import read as read_import
from events.registrations.models import Registration
from events.registrations.privacy import erase
from events.registrations.sheets import UnreadableFile
from events.settings import Settings
from events.staff.models import Role
from tests.conftest import csrf_token, sign_in
from tests.factories import event_data, make_event, make_registration

pytestmark = pytest.mark.usefixtures("app")

PRICES = [
    {"category": "individual_member", "session": "day1", "amount": 2000},
    {"category": "non_member", "session": "day1", "amount": 3000},
]
CATEGORIES = [
    {"code": "individual_member", "label": "会員", "member": True},
    "non_member",
    {"code": "guest", "label": "Guest"},
]

ROSTER = (
    "会員番号,氏名,種別,口数,団体名,メールアドレス,有効期限\r\n"
    "M-001,山田 花子,個人会員,1,,hanako@example.org,2099-03-31\r\n"
    "M-002,カラカサン,団体会員,2,カラカサン,@kalakasan.example office@gmail.example,2099-03-31\r\n"
    "M-003,佐藤 健,個人会員,1,,ken@example.org,2000-03-31\r\n"
    "S-010,李 美花,個人購読会員,1,,mihwa@example.org,\r\n"
)


async def member_event(**changes: Any) -> Event:
    return await make_event(categories=CATEGORIES, prices=PRICES, **changes)


async def import_roster(text: str = ROSTER) -> int:
    preview = roster.check(roster.read("roster.csv", text.encode("utf-8")))
    assert not preview.problems, [row.problems for row in preview.problems]
    return await roster.replace(preview)


async def registered(event: Event, number: int, email: str, **changes: Any) -> Registration:
    return (
        await make_registration(event, number, ["day1"], email=email, category="individual_member", **changes)
    ).registration


# Matching ---------------------------------------------------------------------------------------


async def test_a_member_is_confirmed_by_address_number_or_organizations_domain() -> None:
    event = await member_event()
    await import_roster()

    by_address = await registered(event, 1, "Hanako@Example.org")
    by_number = await registered(event, 2, "new-address@example.net", member_number="ｍ－００１".replace("－", "-"))
    by_domain = await registered(event, 3, "staff@kalakasan.example")
    subscriber = await registered(event, 4, "mihwa@example.org")

    for person, number in [(by_address, "M-001"), (by_number, "M-001"), (by_domain, "M-002"), (subscriber, "S-010")]:
        assert person.membership == Membership.CONFIRMED, f"{person.email} matched {number}"
        assert person.member_number == number
        assert person.amount_due == 2000, "the member price"


async def test_someone_who_matches_nothing_pays_the_member_price_marked_to_confirm() -> None:
    event = await member_event()
    await import_roster()

    stranger = await registered(event, 1, "stranger@example.net", member_number="X-999")
    lapsed = await registered(event, 2, "ken@example.org")
    not_a_member_category = (
        await make_registration(event, 3, ["day1"], email="hanako@example.org", category="non_member")
    ).registration

    assert stranger.membership == Membership.TO_CONFIRM and stranger.amount_due == 2000
    assert stranger.member_number == "X-999", "what they typed is kept for the desk"
    assert lapsed.membership == Membership.TO_CONFIRM, "a membership that ended before the event does not match"
    assert not_a_member_category.membership == "" and not_a_member_category.amount_due == 3000


async def test_an_organizations_people_are_confirmed_up_to_its_units_unless_lifted() -> None:
    event = await member_event()
    lifted = await make_event("lifted", categories=CATEGORIES, prices=PRICES, member_units_lifted=True)
    await import_roster()

    people = [await registered(event, n, f"person{n}@kalakasan.example") for n in range(1, 4)]
    everyone = [await registered(lifted, n, f"person{n}@kalakasan.example") for n in range(1, 4)]

    assert [p.membership for p in people] == ["confirmed", "confirmed", "to_confirm"], "2 units: the third to confirm"
    assert all(p.membership == Membership.CONFIRMED for p in everyone), "the organizer lifted the units"


async def test_an_organizations_people_registering_at_once_are_confirmed_up_to_its_units() -> None:
    event = await member_event()
    await import_roster()

    people = await asyncio.gather(*(registered(event, n, f"person{n}@kalakasan.example") for n in range(1, 7)))

    stored = [await Registration.get(id=person.id) for person in people]
    assert sorted(person.membership for person in stored) == ["confirmed"] * 2 + ["to_confirm"] * 4, (
        "2 units: two confirmed, whatever registered at the same moment"
    )
    assert [person.membership for person in people] == [person.membership for person in stored], (
        "each is told the membership that was written"
    )


async def test_an_organizations_last_unit_goes_to_one_of_two_processes_registering_at_once(settings: Settings) -> None:
    event = await member_event()
    await import_roster()
    await registered(event, 1, "first@kalakasan.example")  # M-002 has two units: one is left

    people = await at_once_in_two_processes(
        settings,
        event,
        here=lambda: registered(event, 2, "a@kalakasan.example"),
        there=lambda: registered(event, 3, "b@kalakasan.example"),
    )

    stored = [await Registration.get(id=person.id) for person in people]
    assert sorted(person.membership for person in stored) == ["confirmed", "to_confirm"], (
        "the organization's last unit confirms one of the two, whichever process wrote it"
    )


async def test_an_organizers_edit_and_a_registration_in_another_process_share_the_last_unit(
    settings: Settings,
) -> None:
    event = await member_event()
    await import_roster()
    await registered(event, 1, "first@kalakasan.example")  # one unit left
    typo = await registered(event, 2, "typo@example.org")  # to confirm: matches nothing yet

    async def correct_the_address() -> Registration:
        edit = RegistrationEdit(name=typo.name, email="staff@kalakasan.example", category="individual_member")
        await edit_registration(typo, edit, staff=None)
        return typo

    people = await at_once_in_two_processes(
        settings,
        event,
        here=correct_the_address,
        there=lambda: registered(event, 3, "b@kalakasan.example"),
    )

    stored = [await Registration.get(id=person.id) for person in people]
    assert sorted(person.membership for person in stored) == ["confirmed", "to_confirm"], (
        "the edit counts the unit the other process's registration took, or the other way round"
    )


async def test_an_import_and_a_registration_in_another_process_share_the_last_unit(settings: Settings) -> None:
    event = await member_event()
    await import_roster()
    await registered(event, 1, "first@kalakasan.example")  # one unit left
    sheet = read_import(
        "forms.csv",
        "氏名,メールアドレス,区分,セッション\r\nカラカサンの人,imported@kalakasan.example,individual_member,day1\r\n".encode(),
    )

    async def import_the_sheet() -> Registration:
        await carry_out(event, sheet)
        return await Registration.get(email="imported@kalakasan.example")

    people = await at_once_in_two_processes(
        settings,
        event,
        here=import_the_sheet,
        there=lambda: registered(event, 3, "b@kalakasan.example"),
        here_first=True,  # the import gets the sessions first, and must still leave the unit counted
    )

    stored = [await Registration.get(id=person.id) for person in people]
    assert sorted(person.membership for person in stored) == ["confirmed", "to_confirm"], (
        "the import counts the unit the other process's registration took, or the other way round"
    )


async def at_once_in_two_processes(
    settings: Settings,
    event: Event,
    here: Callable[[], Awaitable[Registration]],
    there: Callable[[], Awaitable[Registration]],
    here_first: bool = False,
) -> list[Registration]:
    """`here` in this app process and `there` in a second one on the same PostgreSQL database (its
    own pool, its own turns), while the event's sessions are held locked, as under load. One starts
    (`there`, or `here` when `here_first`) and runs until it waits on a lock; then the other, until
    it waits too or is done (an edit needs no session); then both are let go, and the first to wait
    for the sessions gets them first. Skipped on SQLite, whose one write lock leaves no such race."""
    if not supports_row_locks():
        pytest.skip("PostgreSQL's race between processes; on SQLite the write lock covers the count")
    credentials = tortoise_config(settings)["connections"]["default"]["credentials"]
    other_process = PostgresClient(connection_name="default", **credentials)
    holder = await own_connection("tsudoi test: holds the sessions")

    async def in_other_process() -> Registration:
        connections.set("default", other_process)  # for this task only
        return await there()

    try:
        await holder.execute("BEGIN")
        await holder.execute('SELECT 1 FROM "session" WHERE "event_id" = $1 FOR UPDATE', event.id)
        starts = [here, in_other_process] if here_first else [in_other_process, here]
        first = asyncio.create_task(starts[0]())
        await waiting_on_locks(holder, 1)
        second = asyncio.create_task(starts[1]())
        await waiting_on_locks(holder, 2, unless_done=second)
        await holder.execute("ROLLBACK")
        done = await asyncio.gather(first, second)
        return list(done) if here_first else list(reversed(done))
    finally:
        await holder.close()
        await other_process.close()


async def waiting_on_locks(connection: Any, count: int, unless_done: asyncio.Task[Any] | None = None) -> None:
    """Return once `count` other sessions of this database wait on a lock, or `unless_done` has
    finished (10 s at most)."""
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    for _ in range(1000):
        await connection.execute("SELECT pg_stat_clear_snapshot()")  # read afresh, inside a transaction too
        if await connection.fetchval(query) >= count or (unless_done is not None and unless_done.done()):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} sessions never came to wait on a lock")


async def test_the_desk_confirms_a_membership_and_it_is_in_the_persons_history() -> None:
    event = await member_event()
    person = await registered(event, 1, "stranger@example.net")

    changed = await confirm_membership(person, staff=None)
    again = await confirm_membership(person, staff=None)

    stored = await Registration.get(id=person.id)
    assert changed and not again, "confirmed once"
    assert stored.membership == Membership.CONFIRMED


async def test_an_organizer_correcting_the_address_asks_the_roster_again() -> None:
    event = await member_event()
    await import_roster()
    person = await registered(event, 1, "typo@example.org")

    await edit_registration(
        person,
        RegistrationEdit(name=person.name, email="hanako@example.org", category="individual_member"),
        staff=None,
    )

    stored = await Registration.get(id=person.id)
    assert (stored.membership, stored.member_number) == ("confirmed", "M-001")


async def test_an_import_of_registrations_matches_the_roster_too() -> None:
    event = await member_event()
    await import_roster()
    sheet = read_import(
        "forms.csv",
        "氏名,メールアドレス,区分,会員番号,セッション\r\n"
        "山田 花子,,individual_member,M-001,day1\r\n"
        "新人,new@example.net,individual_member,,day1\r\n".encode(),
    )

    await carry_out(event, sheet)

    rows = await Registration.filter(event_id=event.id).order_by("id").values_list("membership", "member_number")
    assert rows == [("confirmed", "M-001"), ("to_confirm", "")]


# The roster file ----------------------------------------------------------------------------------


def test_one_wrong_row_stops_the_import_and_every_wrong_row_is_named() -> None:
    text = (
        "会員番号,氏名,種別,口数,メールアドレス,有効期限\r\n"
        "M-001,山田,個人会員,1,hanako@example.org,2027-03-31\r\n"
        "M-001,山田 二,個人会員,1,,\r\n"
        ",名無し,個人会員,1,,\r\n"
        "M-004,鈴木,特別会員,1,,\r\n"
        "M-005,田中,団体会員,1.5,,\r\n"
        "M-006,高橋,個人会員,1,not-an-address,\r\n"
        "M-007,伊藤,個人会員,1,,来年\r\n"
    )

    preview = roster.check(roster.read("roster.csv", text.encode("cp932")))

    problems = {(row.number, column) for row in preview.problems for column in row.problems}
    assert problems == {
        (2, "number"),
        (3, "number"),
        (4, "number"),
        (5, "kind"),
        (6, "units"),
        (7, "email"),
        (8, "valid_until"),
    }, problems
    assert preview.entries == [], "nothing is imported from a file with wrong rows"


def test_a_file_without_the_roster_columns_is_refused_saying_which() -> None:
    with pytest.raises(UnreadableFile, match="会員番号"):
        roster.read("roster.csv", b"name,e-mail\r\nA,a@example.org\r\n")


async def test_an_import_replaces_the_whole_roster() -> None:
    await import_roster()
    await import_roster("会員番号,氏名,種別\r\nM-100,新会員,個人会員\r\n")

    assert await Member.all().values_list("number", flat=True) == ["M-100"]
    assert await MemberAddress.all().count() == 0, "the old entries' addresses went with them"


async def test_purge_drops_entries_whose_membership_ended_over_a_year_ago() -> None:
    await import_roster()

    dropped = await roster.drop_ended(date.today())

    assert dropped == 1
    assert sorted(await Member.all().values_list("number", flat=True)) == ["M-001", "M-002", "S-010"]


async def test_erasing_a_person_erases_their_member_number() -> None:
    event = await member_event()
    await import_roster()
    person = await registered(event, 1, "hanako@example.org")

    await erase([person.id])

    assert (await Registration.get(id=person.id)).member_number == ""


# The pages ---------------------------------------------------------------------------------------


async def test_the_roster_page_previews_then_replaces_and_door_accounts_are_kept_out(client: httpx.AsyncClient) -> None:
    await sign_in(client, Role.ORGANIZER)
    page = await client.get("/staff/members", headers={"Accept-Language": "en"})
    token = csrf_token(page.text)

    preview = await client.post(
        "/staff/members",
        data={"csrf_token": token},
        files={"file": ("roster.csv", ROSTER.encode("cp932"), "text/csv")},
        headers={"Accept-Language": "en"},
    )
    stored_by_preview = await Member.all().count()
    kept = re.search(r'name="roster" value="([^"]*)"', preview.text)
    assert kept, preview.text
    confirmed = await client.post(
        "/staff/members",
        data={
            "csrf_token": token,
            "roster": html.unescape(kept.group(1)),
            "filename": "roster.csv",
            "action": "import",
        },
    )

    assert "No roster yet" in page.text, "the empty state says what to do"
    assert preview.status_code == 200 and stored_by_preview == 0, "the preview stores nothing"
    assert "Replace the roster with these 4 members" in preview.text
    assert confirmed.status_code == 303
    assert await Member.all().count() == 4

    client.cookies.clear()
    await sign_in(client, Role.DOOR)
    assert (await client.get("/staff/members")).status_code == 403, "door accounts never see the roster"


async def test_a_roster_with_a_wrong_row_is_shown_with_its_row_and_nothing_imported(client: httpx.AsyncClient) -> None:
    await sign_in(client, Role.ORGANIZER)
    token = csrf_token((await client.get("/staff/members")).text)
    text = ROSTER + "M-009,誰か,謎の会員,1,,,\r\n"

    answer = await client.post(
        "/staff/members",
        data={"csrf_token": token},
        files={"file": ("roster.csv", text.encode("utf-8"), "text/csv")},
        headers={"Accept-Language": "en"},
    )

    assert answer.status_code == 422
    assert "1 rows need mending" in answer.text and "<td>6</td>" in answer.text
    assert await Member.all().count() == 0


async def test_the_public_form_asks_for_a_member_number_and_the_desk_sees_to_confirm(
    client: httpx.AsyncClient,
) -> None:
    event = await member_event()
    page = await client.get("/events/workshop", headers={"Accept-Language": "en"})
    person = await registered(event, 1, "stranger@example.net")
    await sign_in(client, Role.ORGANIZER)

    desk = await client.get(f"/staff/events/workshop/registrations/{person.code}", headers={"Accept-Language": "en"})
    confirmed = await client.post(
        f"/staff/events/workshop/registrations/{person.code}/membership", data={"csrf_token": csrf_token(desk.text)}
    )

    assert 'name="member_number"' in page.text
    assert "Membership to confirm" in desk.text
    assert confirmed.status_code == 303
    assert (await Registration.get(id=person.id)).membership == Membership.CONFIRMED


async def test_an_event_without_member_categories_asks_for_no_member_number(client: httpx.AsyncClient) -> None:
    await make_event(prices=PRICES)

    page = await client.get("/events/workshop")

    assert 'name="member_number"' not in page.text


async def test_the_api_takes_a_member_number_and_says_the_membership(client: httpx.AsyncClient) -> None:
    await member_event()
    await import_roster()
    body = {"name": "Hanako", "email": "x@example.net", "sessions": ["day1"], "category": "individual_member"}

    created = await client.post("/api/v1/events/workshop/registrations", json={**body, "member_number": "M-001"})
    too_long = await client.post(
        "/api/v1/events/workshop/registrations", json={**body, "email": "y@example.net", "member_number": "9" * 33}
    )

    assert created.status_code == 201, created.text
    assert created.json()["membership"] == "confirmed" and created.json()["amount_due"] == 2000
    assert too_long.status_code == 422 and "member_number" in too_long.json()["fields"]


def test_a_category_member_flag_must_be_true_or_false() -> None:
    from events.errors import InvalidInput
    from events.program.schemas import EventInput
    from events.validation import parse

    with pytest.raises(InvalidInput):
        parse(EventInput, event_data(categories=[{"code": "m", "label": "M", "member": "yes"}]))

"""Attendance certificates: earned by attending (checked in at the door), issued once with a number,
rendered as real PDFs read back (text, fonts, the QR code decoded and its link followed), and the
public page that confirms one refuses a forged link and outlives the person's data."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

from events.certificates.models import Certificate
from events.checkin import service as checkin
from events.mail.models import MailKind, OutboxMessage
from events.program.models import Event
from events.program.schemas import EventInput
from events.program.service import create_event, get_event
from events.registrations.models import Registration
from events.registrations.privacy import purge_event
from events.staff.models import Role
from tests.conftest import csrf_token, sign_in
from tests.factories import event_data, make_registration, staff_token
from tests.test_badges import decoded_qr_texts, page_text
from tests.test_receipts import fonts_of

pytestmark = pytest.mark.usefixtures("app")

KEY = "test-secret-key"
TOKYO = ZoneInfo("Asia/Tokyo")


def lecture_series(**changes: Any) -> dict[str, Any]:
    """A lecture course: seven lectures a month apart, as the network runs them."""
    first = datetime.now(TOKYO).date() + timedelta(days=10)
    lectures = []
    for number in range(7):
        day = first + timedelta(days=30 * number)
        start = datetime(day.year, day.month, day.day, 18, 30, tzinfo=TOKYO)
        lectures.append(
            {
                "code": f"l{number + 1}",
                "title": f"第{number + 1}回 講座",
                "kind": "lecture",
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=2)).isoformat(),
                "capacity": 12,
            }
        )
    data = event_data(
        "course",
        title="移住者支援講座",
        starts_on=first.isoformat(),
        ends_on=(first + timedelta(days=180)).isoformat(),
        sessions=lectures,
        certificate_min_sessions=5,
    )
    data.update(changes)
    return data


async def course(**changes: Any) -> Event:
    await create_event(EventInput.model_validate(lecture_series(**changes)))
    return await get_event("course")


async def attend(event: Event, registration: Registration, count: int) -> None:
    for session in event.sessions[:count]:
        await checkin.check_in(event, registration.code, session.code, secret_key=KEY)


async def person(event: Event, number: int = 1, **changes: Any) -> Registration:
    codes = [session.code for session in event.sessions]
    return (await make_registration(event, number, codes, **changes)).registration


async def test_a_certificate_is_earned_by_attending_and_refused_before(client: httpx.AsyncClient) -> None:
    event = await course()
    learner = await person(event, name="山田 花子")
    url = f"/api/v1/registrations/{learner.secret}/certificate.pdf"

    await attend(event, learner, 4)
    too_early = await client.get(url)
    await attend(event, learner, 5)
    earned = await client.get(url)
    again = await client.get(url)

    assert too_early.status_code == 409 and too_early.json()["error"] == "not_eligible"
    assert earned.status_code == 200 and earned.headers["content-type"] == "application/pdf"
    assert await Certificate.filter(registration_id=learner.id).count() == 1, "issued once"
    assert page_text(earned.content) == page_text(again.content), "the same certificate each time"


async def test_an_event_without_a_rule_issues_none(client: httpx.AsyncClient) -> None:
    event = await course(certificate_min_sessions=None)
    learner = await person(event)

    answer = await client.get(f"/api/v1/registrations/{learner.secret}/certificate.pdf")

    assert answer.status_code == 404


async def test_the_pdf_says_who_what_and_when_in_embedded_fonts_and_its_qr_link_confirms_it(
    client: httpx.AsyncClient,
) -> None:
    event = await course()
    learner = await person(event, name="山田 花子")
    await attend(event, learner, 6)

    pdf = (await client.get(f"/api/v1/registrations/{learner.secret}/certificate.pdf")).content
    text = page_text(pdf)
    [link] = decoded_qr_texts(pdf)
    path = urlsplit(link).path
    confirmed = await client.get(path, headers={"Accept-Language": "en"})
    number, _dash, signature = path.rpartition("/")[2].partition("-")
    forged = await client.get(path.replace(signature, "0" * len(signature)))
    other_number = await client.get(path.replace(f"/{number}-", "/0002-"))

    assert "参加証明書" in text and "山田 花子" in text and "移住者支援講座" in text
    assert "第1回 講座" in text and "第6回 講座" in text and "第7回 講座" not in text
    assert "0001" in text and "6" in text
    assert all("(not embedded)" not in font for font in fonts_of(pdf)), fonts_of(pdf)
    assert confirmed.status_code == 200
    for fact in ("移住者支援講座", "0001", "山田 花子", "6"):
        assert fact in confirmed.text, fact
    assert "yamada" not in confirmed.text.lower() and learner.email not in confirmed.text, "nothing more"
    assert forged.status_code == 404 and other_number.status_code == 404, "a made-up or altered link is refused"


async def test_a_korean_reader_gets_the_certificate_in_korean(client: httpx.AsyncClient) -> None:
    event = await course()
    learner = await person(event, name="김민지", language="ko")
    await attend(event, learner, 5)

    text = page_text((await client.get(f"/api/v1/registrations/{learner.secret}/certificate.pdf")).content)

    assert "참가 증명서" in text and "김민지" in text


async def test_numbers_follow_the_order_of_issue_and_never_repeat() -> None:
    from events.certificates import service

    event = await course()
    people = [await person(event, number) for number in range(1, 4)]
    for learner in people:
        await attend(event, learner, 5)

    issued = [(await service.certificate_for(learner, event))[0].number for learner in reversed(people)]
    again = (await service.certificate_for(people[0], event))[0].number

    assert issued == [1, 2, 3] and again == 3


async def test_every_one_of_a_chosen_set_can_be_the_rule(client: httpx.AsyncClient) -> None:
    event = await course(certificate_min_sessions=None, certificate_sessions=["l1", "l7"])
    learner = await person(event)
    await attend(event, learner, 6)
    missing_last = await client.get(f"/api/v1/registrations/{learner.secret}/certificate.pdf")
    await checkin.check_in(event, learner.code, "l7", secret_key=KEY)

    earned = await client.get(f"/api/v1/registrations/{learner.secret}/certificate.pdf")

    assert missing_last.status_code == 409 and earned.status_code == 200


async def test_a_purged_event_issues_no_new_certificate_and_issued_ones_verify_without_the_name(
    client: httpx.AsyncClient,
) -> None:
    event = await course()
    holder, latecomer = await person(event, 1, name="山田 花子"), await person(event, 2, name="佐藤 健")
    await attend(event, holder, 5)
    await attend(event, latecomer, 5)
    pdf = (await client.get(f"/api/v1/registrations/{holder.secret}/certificate.pdf")).content
    [link] = decoded_qr_texts(pdf)

    await purge_event(event)
    latecomer = await Registration.get(id=latecomer.id)
    refused = await client.get(f"/api/v1/registrations/{latecomer.secret}/certificate.pdf")
    confirmed = await client.get(urlsplit(link).path, headers={"Accept-Language": "en"})

    assert refused.status_code == 409
    assert confirmed.status_code == 200 and "山田" not in confirmed.text and "0001" in confirmed.text
    assert "erased" in confirmed.text


async def test_the_participant_finds_the_certificate_on_their_page_once_earned(client: httpx.AsyncClient) -> None:
    event = await course()
    learner = await person(event)
    await attend(event, learner, 2)
    before = await client.get(f"/manage/{learner.secret}", headers={"Accept-Language": "en"})
    await attend(event, learner, 5)

    after = await client.get(f"/manage/{learner.secret}", headers={"Accept-Language": "en"})
    download = await client.get(f"/manage/{learner.secret}/certificate.pdf")

    assert "You have attended 2 so far" in before.text and "certificate.pdf" not in before.text
    assert f"/manage/{learner.secret}/certificate.pdf" in after.text
    assert download.status_code == 200


async def test_organizers_download_all_in_one_pdf_and_send_them_through_the_outbox(client: httpx.AsyncClient) -> None:
    event = await course()
    people = [await person(event, number) for number in range(1, 5)]
    for learner in people[:3]:
        await attend(event, learner, 5)
    await sign_in(client, Role.ORGANIZER)
    page = await client.get("/staff/events/course/certificates", headers={"Accept-Language": "en"})

    every = await client.get("/staff/events/course/certificates.pdf")
    sent = await client.post("/staff/events/course/certificates/send", data={"csrf_token": csrf_token(page.text)})

    assert "3 people meet the rule" in page.text
    assert every.status_code == 200 and len(decoded_qr_texts(every.content)) == 3, "one page per eligible person"
    assert sent.status_code == 303
    queued = await OutboxMessage.filter(kind=MailKind.CERTIFICATE).values_list("registration_id", flat=True)
    assert sorted(queued) == sorted(learner.id for learner in people[:3])


async def test_the_certificate_e_mail_links_to_the_certificate() -> None:
    from events.mail import compose

    event = await course()
    learner = await person(event, language="en")
    await attend(event, learner, 5)
    from events.mail import outbox

    await outbox.queue(learner, MailKind.CERTIFICATE)
    [message] = await OutboxMessage.filter(kind=MailKind.CERTIFICATE).prefetch_related("registration", "event")

    written = await compose.write(message)

    assert "certificate of attendance" in written.subject.lower()
    assert f"/manage/{learner.secret}/certificate.pdf" in written.text
    assert not written.has_badge and not written.has_calendar


async def test_the_rule_is_set_on_the_organizers_page_and_a_door_account_is_kept_out(client: httpx.AsyncClient) -> None:
    event = await course(certificate_min_sessions=None)
    await sign_in(client, Role.ORGANIZER)
    page = await client.get("/staff/events/course/certificates")

    saved = await client.post(
        "/staff/events/course/certificates",
        data={"csrf_token": csrf_token(page.text), "min_sessions": "4", "sessions": ["l1"]},
    )
    bad = await client.post(
        "/staff/events/course/certificates", data={"csrf_token": csrf_token(page.text), "min_sessions": "four"}
    )

    stored = await Event.get(id=event.id)
    assert saved.status_code == 303 and (stored.certificate_min_sessions, stored.certificate_sessions) == (4, ["l1"])
    assert bad.status_code == 422
    client.cookies.clear()
    await sign_in(client, Role.DOOR)
    assert (await client.get("/staff/events/course/certificates")).status_code == 403


async def test_the_api_checks_the_rule(client: httpx.AsyncClient) -> None:
    token = await staff_token()
    headers = {"Authorization": f"Bearer {token}"}

    unknown = await client.post("/api/v1/events", json=lecture_series(certificate_sessions=["l9"]), headers=headers)
    zero = await client.post("/api/v1/events", json=lecture_series(certificate_min_sessions=0), headers=headers)
    good = await client.post("/api/v1/events", json=lecture_series(), headers=headers)

    assert unknown.status_code == 422 and "certificate_sessions" in unknown.json()["fields"]
    assert zero.status_code == 422
    assert good.status_code == 201 and good.json()["certificate_min_sessions"] == 5


async def test_a_course_over_months_works_like_a_two_day_workshop(client: httpx.AsyncClient) -> None:
    import icalendar

    event = await course()
    learner = await person(event)
    await attend(event, learner, 7)
    token = await staff_token()

    public = await client.get("/events/course", headers={"Accept-Language": "en"})
    feed = icalendar.Calendar.from_ical((await client.get("/events/course/calendar.ics")).content)
    figures = (
        await client.get("/api/v1/events/course/attendance", headers={"Authorization": f"Bearer {token}"})
    ).json()

    assert all(f"第{n}回 講座" in public.text for n in range(1, 8))
    assert len([part for part in feed.walk("VEVENT")]) == 7
    days = [day for day in figures["days"] if day["checked_in_unique"]]
    assert len(days) == 7, "the per-day figures have each lecture's day, months apart"

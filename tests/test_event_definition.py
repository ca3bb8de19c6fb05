"""An event's definition as a YAML file: `tsudoi event export` / `tsudoi event import [--update]`."""

from __future__ import annotations

from collections.abc import Iterator
from copy import deepcopy
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from events import i18n
from events.errors import Conflict
from events.program import definition
from events.program.definition import DefinitionError
from events.program.models import Event, Session
from events.questions.models import Question, QuestionKind
from events.questions.service import save_answers
from events.settings import Settings
from tests import postgres
from tests.conftest import tsudoi
from tests.factories import make_event, make_registration

HAND_WRITTEN = """\
# The national workshop, as an organizer types it: short category codes, times with a T.
slug: workshop-2030
title: 全国ワークショップ 2030
description: |
  移住者支援団体の全国ワークショップ。
  A national workshop of groups that support migrants.
status: closed
starts_on: 2030-03-09
ends_on: 2030-03-10
timezone: America/New_York
venue: Civic Hall
city: New York
registration_opens_at: 2030-01-10T09:00:00-05:00
registration_closes_at: 2030-03-01T00:00:00-05:00
categories:
  - member
  - code: guest
    label: ゲスト / Guest
sessions:
  - code: day1
    title: Day 1
    kind: day
    starts_at: 2030-03-09T10:00:00-05:00
    ends_at: 2030-03-09T17:00:00-05:00
    location: Room A
    capacity: 120
  - code: reception
    title: 交流会 / Reception
    kind: reception
    starts_at: 2030-03-09T18:00:00-05:00
    ends_at: 2030-03-09T20:00:00-05:00
  - code: day2
    title: Day 2
    kind: day
    starts_at: 2030-03-10T10:00:00-04:00
    ends_at: 2030-03-10T16:00:00-04:00
    capacity: 100
questions:
  - code: interpretation
    label: 通訳が必要な言語 / Interpretation needed
    kind: several_choices
    choices: [Tagalog, Portuguese, Korean]
  - code: diet
    label: Dietary needs
    help_text: Vegetarian, halal, allergies…
    kind: short_text
    session: reception
  - code: childcare
    label: Childcare needed
    kind: yes_no
    required: true
"""


def env(database_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "TSUDOI_SECRET_KEY": "x"}


@pytest.fixture
def other_database(settings: Settings, tmp_path: Path) -> Iterator[str]:
    """A second, empty database on the same engine as the test's own."""
    if settings.is_sqlite:
        yield f"sqlite:///{tmp_path / 'other.db'}"
    else:
        with postgres.throwaway_database() as url:
            yield url


async def exported(slug: str = "workshop") -> dict[str, Any]:
    return await definition.export(slug)


# Through the command, as an organizer runs it


@pytest.mark.parametrize("command", [["event"], ["event", "export"], ["event", "import"]])
def test_the_event_commands_explain_themselves(command: list[str], tmp_path: Path) -> None:
    result = tsudoi(*command, "--help", cwd=tmp_path)

    assert result.returncode == 0 and "usage: tsudoi event" in result.stdout and "YAML" in result.stdout


@pytest.mark.usefixtures("db")  # an empty database on PostgreSQL too
def test_a_file_imports_and_its_export_imports_into_an_empty_database_and_exports_the_same(
    settings: Settings, other_database: str, tmp_path: Path
) -> None:
    (tmp_path / "hand.yaml").write_text(HAND_WRITTEN, encoding="utf-8")

    created = tsudoi("event", "import", "hand.yaml", cwd=tmp_path, env=env(settings.database_url))
    first = tsudoi("event", "export", "workshop-2030", cwd=tmp_path, env=env(settings.database_url))
    (tmp_path / "exported.yaml").write_text(first.stdout, encoding="utf-8")
    again = tsudoi("event", "import", "exported.yaml", cwd=tmp_path, env=env(other_database))
    second = tsudoi("event", "export", "workshop-2030", "-o", "second.yaml", cwd=tmp_path, env=env(other_database))

    assert created.returncode == 0, created.stderr
    assert "Created event workshop-2030 (closed): 3 session(s), 3 question(s)." in created.stdout
    assert first.returncode == again.returncode == second.returncode == 0, first.stderr + again.stderr + second.stderr
    assert (tmp_path / "second.yaml").read_text(encoding="utf-8") == first.stdout, "the same YAML, byte for byte"
    assert "title: 全国ワークショップ 2030" in first.stdout, "Japanese stays readable"
    assert "starts_at: 2030-03-10 10:00:00-04:00" in first.stdout, "times in the event's zone, after the DST change"
    assert "description: |" in first.stdout, "text of several lines is written as a block"
    assert "registrations" not in first.stdout.lower().replace("(no registrations)", "")


@pytest.mark.usefixtures("db")  # an empty database on PostgreSQL too
def test_a_bad_file_is_a_clear_error_with_exit_code_1_and_nothing_is_written(
    settings: Settings, tmp_path: Path
) -> None:
    bad = HAND_WRITTEN.replace("ends_at: 2030-03-09T17:00:00-05:00", "ends_at: 2030-03-09T09:00:00-05:00").replace(
        "capacity: 100", "capcity: 100"
    )
    (tmp_path / "bad.yaml").write_text(bad, encoding="utf-8")

    result = tsudoi("event", "import", "bad.yaml", cwd=tmp_path, env=env(settings.database_url))
    listing = tsudoi("event", "export", "workshop-2030", cwd=tmp_path, env=env(settings.database_url))

    assert result.returncode == 1 and result.stdout == ""
    assert "sessions.0 (day1).ends_at: A session must end after it starts." in result.stderr
    assert "sessions.2 (day2).capcity: Not a field of an event definition (misspelt?)." in result.stderr
    assert listing.returncode == 1 and "no event 'workshop-2030'" in listing.stderr, "nothing was created"


@pytest.mark.usefixtures("db")  # an empty database on PostgreSQL too
def test_a_file_that_is_not_yaml_says_where(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("slug: x\ntitle: [unclosed\n", encoding="utf-8")

    result = tsudoi("event", "import", "broken.yaml", cwd=tmp_path, env=env(settings.database_url))

    assert result.returncode == 1 and "line 3" in result.stderr and "Not valid YAML" in result.stderr


@pytest.mark.usefixtures("db")  # an empty database on PostgreSQL too
def test_importing_a_slug_that_exists_needs_update(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "hand.yaml").write_text(HAND_WRITTEN, encoding="utf-8")
    tsudoi("event", "import", "hand.yaml", cwd=tmp_path, env=env(settings.database_url))
    (tmp_path / "hand.yaml").write_text(HAND_WRITTEN.replace("title: Day 2", "title: Day two"), encoding="utf-8")

    refused = tsudoi("event", "import", "hand.yaml", cwd=tmp_path, env=env(settings.database_url))
    updated = tsudoi("event", "import", "hand.yaml", "--update", cwd=tmp_path, env=env(settings.database_url))
    now = tsudoi("event", "export", "workshop-2030", cwd=tmp_path, env=env(settings.database_url))

    assert refused.returncode == 1 and "Use --update" in refused.stderr
    assert updated.returncode == 0 and "Updated event workshop-2030" in updated.stdout, updated.stderr
    assert "title: Day two" in now.stdout


# Through the service: the rules of updating


async def test_an_update_changes_what_differs_and_calendars_see_the_changed_session(db: object) -> None:
    event = await make_event()
    data = await exported()
    data["sessions"][1]["title"] = "Keynote lecture"
    data["sessions"][3]["capacity"] = 40
    data["sessions"].append({**data["sessions"][0], "code": "day3", "title": "Day 3"})
    data["sessions"][0], data["sessions"][2] = data["sessions"][2], data["sessions"][0]
    data["questions"] = [
        {
            "code": "diet",
            "label": "Dietary needs",
            "help_text": "",
            "kind": "short_text",
            "required": False,
            "choices": [],
            "session": "reception",
            "translations": {"en": {"label": "Food you cannot eat"}},
        }
    ]

    applied = await definition.apply(data, update=True)

    sessions = {session.code: session for session in await Session.filter(event_id=event.id)}
    assert not applied.created and applied.questions == 1
    assert [s.code for s in sorted(sessions.values(), key=lambda s: s.position)] == [
        "reception",
        "lecture",
        "day1",
        "day2",
        "day3",
    ], "the file's order"
    assert sessions["lecture"].title == "Keynote lecture" and sessions["lecture"].sequence == 1
    assert sessions["day1"].sequence == 0 and sessions["day2"].capacity == 40
    question = await Question.get(event_id=event.id, code="diet")
    assert question.session_id == sessions["reception"].id  # type: ignore[attr-defined]
    assert await exported() == data, "exporting again gives the file back"


async def test_an_update_that_breaks_a_rule_changes_nothing_and_names_the_field(db: object) -> None:
    i18n.set_language("en")  # the messages are compared in English
    event = await make_event(capacity=1)
    await make_registration(event, 1, ["day1"])
    data = await exported()
    data["title"] = "Renamed"
    data["sessions"][0]["capacity"] = 0

    with pytest.raises(DefinitionError) as refused:
        await definition.apply(data, update=True)

    assert "seats are already confirmed" in refused.value.problems["sessions.0 (day1).capacity"]
    assert (await Event.get(slug="workshop")).title == "全国ワークショップ", "the whole file applies, or none of it"


async def test_a_session_left_out_of_the_file_goes_only_when_nobody_holds_a_seat_in_it(db: object) -> None:
    i18n.set_language("en")  # the messages are compared in English
    event = await make_event()
    await make_registration(event, 1, ["day1"])
    data = await exported()
    without_lecture = deepcopy(data)
    without_lecture["sessions"] = [s for s in data["sessions"] if s["code"] != "lecture"]
    without_day1 = deepcopy(data)
    without_day1["sessions"] = [s for s in data["sessions"] if s["code"] != "day1"]
    without_day1["title"] = "Renamed"

    with pytest.raises(DefinitionError) as refused:
        await definition.apply(without_day1, update=True)
    applied = await definition.apply(without_lecture, update=True)

    assert "1 person holds a seat" in refused.value.problems["sessions"]
    assert (await Event.get(slug="workshop")).title == "全国ワークショップ", "the refused file changed nothing"
    assert applied.removed_sessions == ["lecture"]
    assert sorted(await Session.filter(event_id=event.id).values_list("code", flat=True)) == [
        "day1",
        "day2",
        "reception",
    ]


async def test_without_update_an_existing_slug_is_refused(db: object) -> None:
    await make_event()

    with pytest.raises(Conflict):
        await definition.apply(await exported())


async def test_update_of_a_slug_not_there_yet_creates_the_event(db: object) -> None:
    await make_event()
    data = await exported()
    data["slug"] = "workshop-copy"

    applied = await definition.apply(data, update=True)

    assert applied.created and await exported("workshop-copy") == data


async def test_every_problem_is_reported_with_the_path_of_its_field(db: object) -> None:
    i18n.set_language("en")  # the messages are compared in English
    await make_event()
    data = await exported()
    data["timezone"] = "Asia/Nowhere"
    data["sessions"][1]["starts_at"] = datetime(2030, 3, 9, 10)  # no offset: which 10:00?
    data["questions"] = [{"code": "lang", "label": "Language", "kind": "one_choice", "choices": ["Tagalog"]}]

    with pytest.raises(DefinitionError) as refused:
        definition.validate(data)

    problems = refused.value.problems
    assert "IANA time zone" in problems["timezone"]
    assert "offset" in problems["sessions.1 (lecture).starts_at"]
    assert "at least two" in problems["questions.0 (lang).choices"]


async def test_session_codes_in_a_file_must_differ(db: object) -> None:
    i18n.set_language("en")  # the messages are compared in English
    await make_event()
    data = await exported()
    data["sessions"][2]["code"] = data["sessions"][3]["code"]

    with pytest.raises(DefinitionError) as refused:
        definition.validate(data)

    assert "repeated: day2" in refused.value.problems["sessions"]


async def test_a_question_tied_to_a_session_the_file_lacks_is_refused(db: object) -> None:
    i18n.set_language("en")  # the messages are compared in English
    await make_event()
    data = await exported()
    data["questions"] = [{"code": "diet", "label": "Diet", "kind": "short_text", "session": "banquet"}]

    with pytest.raises(DefinitionError) as refused:
        definition.validate(data)

    assert "'banquet'" in refused.value.problems["questions"]


async def test_the_export_keeps_times_in_the_events_zone_and_no_registrations(db: object) -> None:
    event = await make_event()
    await make_registration(event, 1, ["day1"], name="Maria Santos")

    text = definition.to_yaml(await exported())

    assert "Maria Santos" not in text and "person1@example.org" not in text
    assert f"starts_at: {event.starts_on.isoformat()} 10:00:00+09:00" in text, "10:00 in Tokyo, with its offset"


async def test_a_question_left_out_of_the_file_goes_only_when_nobody_has_answered_it(db: object) -> None:
    i18n.set_language("en")  # the messages are compared in English
    event = await make_event()
    person = await make_registration(event, 1, ["day1"])
    for code in ("diet", "childcare"):
        await Question.create(event=event, code=code, label=code.title(), kind=QuestionKind.SHORT_TEXT)
    await save_answers(person.registration, {await Question.get(code="diet"): "Halal"})
    data = await exported()
    without_diet = {**data, "questions": [q for q in data["questions"] if q["code"] != "diet"]}
    without_childcare = {**data, "questions": [q for q in data["questions"] if q["code"] != "childcare"]}

    with pytest.raises(DefinitionError) as refused:
        await definition.apply(without_diet, update=True)
    applied = await definition.apply(without_childcare, update=True)

    assert "1 person has answered it" in refused.value.problems["questions"]
    assert applied.removed_questions == ["childcare"]
    assert await Question.filter(event_id=event.id).values_list("code", flat=True) == ["diet"]

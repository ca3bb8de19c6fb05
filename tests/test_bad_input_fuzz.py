"""No text makes anything answer 500 (hypothesis): every input of the app, fuzzed with hostile text.

One site per run: an event with a fee and a question of every kind, a registration, an organizer
signed in and holding an API token, and a participant's browser. Each example sends a few dozen
requests, each with one hostile value (NUL, lone surrogates, controls, bidi and zero-width
characters, fillers, marks, emoji, CJK, line ends, `%00`, huge text, or the wrong type) drawn by
hypothesis and put in one place of a valid request, the places taking turns so that every one is
tried (twice) in a run:

- a field of an API body (registrations, events, check-ins, payments, tokens, the door's page);
- a field of a form, read from the pages' own HTML as a browser would send it (every POST form the
  staff area, the event page and the participant's page show; uploads and the few forms that would
  end the run's own access are left out);
- a query value, any name on any GET route, or a path parameter of any route.

No answer may be a 500. After each example, everything made of what was accepted must still
answer: every export of the event (the XLSX files must open), the registrations page, the report,
the sign-in sheet, and each person's page, data.json, own page and API answer; and nothing may
have been logged as an error, nor a value refused by the ORM (a check we lack, answered 422).
`derandomize` keeps the run the same every time.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import operator
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from events import clock
from events.program.models import Event
from events.questions.models import Question, QuestionKind
from events.registrations.models import Registration
from tests.conftest import csrf_token, sign_in
from tests.factories import event_data, make_event, make_registration, staff_token

#: Pieces hostile text is made of: what broke, or could break, a query, an encoder or a file.
PIECES = [
    *("\x00", "%00", "\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f", "\r\n", "\n", "\r", "\t"),
    *("\ud800", "\udfff", "\ud83d", "\ud83d\ude00", "%ED%A0%80", "\ufffe", "\uffff", "\U0010ffff"),
    *("\u202e", "\u2066", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u3164", "\u115f", "\u0301", "\ufe0f"),
    *("\U000e0001", "😀", "👩\u200d👩\u200d👧", "漢字", "ｶﾀｶﾅ", "한국어", "عربى", " ", "\u3000"),
    *("'", '"', "<b>", "&amp;", "\\", "/", "..", "%", "=1+1", "@SUM(A1)", "-", ";", "a", "Ana", "0", "-1"),
    *("1e309", "NaN", "day1", "workshop", "participant", "cash", "yes", "1"),
]
#: What a JSON value may be instead of text.
ODD_VALUES = [None, 0, -1, 10**20, 1.5, True, [], {}, ["x"], {"x": "y"}]
LENGTHS = [33, 65, 201, 2001, 70000]
#: Text any field may take (letters, marks, digits, punctuation, symbols, emoji, spaces, in any
#: script): what is accepted with it is then in every export and page checked after the example.
readable_text = st.text(st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), min_size=1, max_size=20)
hostile_text = st.one_of(
    readable_text,
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join),
    st.text(st.characters(exclude_categories=()), max_size=12),  # any code point, lone surrogates too
    # Just over each column's length (32, 64, 200), and far over any.
    st.builds(operator.mul, st.sampled_from(["a", "名", "😀", "\u200b", "\x00"]), st.sampled_from(LENGTHS)),
)
hostile_value = st.one_of(hostile_text, st.sampled_from(ODD_VALUES))

#: No shrinking: examples share one site, so a smaller example replayed later meets another state.
#: Two turns of every place (`places`), each with a value of its own.
EXAMPLES = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
REQUESTS = 44
#: Text put in a URL is cut to this: the client sends no URL over 64 KiB (servers refuse far less).
URL_TEXT = 4000
#: Every query name a route reads, tried on every GET route.
QUERY_NAMES = [
    *("q", "session", "device", "bom", "lang", "kanji", "event", "status", "day", "done", "n", "reset", "pin"),
    *("page", "sort", "link", "registered", "changed", "cancelled", "addressee", "removed", "saved", "next"),
    *("resent", "layout", "codes", "start", "slug", "x"),
]
#: Forms left out: they would end the run's own sign-in or links, close the event, or erase what is checked afterwards.
LEFT_OUT = re.compile(r"/(logout|erase|cancel|close|remove|replace-secret|password|link|exit)$")
DOWNLOADS = re.compile(r"\.(pdf|csv|xlsx|json|ics)$|/logout$")


@dataclass
class Form:
    client: str  # "public" or "staff"
    action: str
    fields: list[tuple[str, str]]


class FormReader(HTMLParser):
    """The POST forms of a page and the fields a browser would send with each (its first button's
    value too, when named), and the page's links."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self.links: list[str] = []
        self._form: dict[str, Any] | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            post = a.get("method", "get").lower() == "post" and "multipart" not in a.get("enctype", "")
            self._form = {"action": a.get("action", ""), "fields": [], "button": None} if post else None
        if self._form is None:
            return
        fields, name = self._form["fields"], a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image"):
                self._form["button"] = self._form["button"] or (name, a.get("value", ""))
            elif kind == "radio":
                self._radio(name, a)
            elif kind not in ("checkbox", "file", "reset") or "checked" in a or name == "sessions":
                fields.append((name, a.get("value", "")))  # every session ticked, as a person would
        elif tag == "button" and name:
            self._form["button"] = self._form["button"] or (name, a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = (name, [])
        elif tag == "select" and name:
            self._select = {"name": name, "first": None, "chosen": None}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select["first"] = value if self._select["first"] is None else self._select["first"]
            if "selected" in a:
                self._select["chosen"] = value

    def _radio(self, name: str, a: dict[str, str]) -> None:
        """The checked radio button of a group, else its first."""
        assert self._form is not None
        fields = self._form["fields"]
        taken = next((index for index, (other, _value) in enumerate(fields) if other == name), None)
        if taken is None:
            fields.append((name, a.get("value", "")))
        elif "checked" in a:
            fields[taken] = (name, a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._form is None:
            return
        if tag == "textarea" and self._textarea is not None:
            self._form["fields"].append((self._textarea[0], "".join(self._textarea[1])))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = self._select["chosen"] if self._select["chosen"] is not None else self._select["first"]
            self._form["fields"].append((self._select["name"], chosen or ""))
            self._select = None
        elif tag == "form":
            fields = self._form["fields"] + ([self._form["button"]] if self._form["button"] else [])
            fields.sort(key=lambda pair: pair[0] == "csrf_token")  # last: the token is tried too, less often
            self.forms.append((self._form["action"], fields))
            self._form = None


@dataclass
class Site:
    app: Starlette
    public: httpx.AsyncClient
    staff: httpx.AsyncClient
    token: str
    csrf: str
    public_csrf: str
    values: dict[str, str]
    forms: list[Form] = field(default_factory=list)
    routes: list[tuple[str, str]] = field(default_factory=list)
    numbers: Iterator[int] = field(default_factory=itertools.count)
    places: list[Place] = field(default_factory=list)
    turn: Iterator[int] = field(default_factory=itertools.count)
    checked_since: datetime = field(default_factory=clock.now)
    failures: list[str] = field(default_factory=list)

    def client(self, who: str = "staff") -> tuple[httpx.AsyncClient, dict[str, str]]:
        if who == "public":
            return self.public, {}
        return self.staff, {"Authorization": f"Bearer {self.token}", "X-CSRF-Token": self.csrf}


def every_route(app: Starlette) -> Iterator[tuple[str, str]]:
    for item in app.routes:
        routes = [(f"{item.path}{inner.path}", inner) for inner in item.routes] if isinstance(item, Mount) else []
        if isinstance(item, Route):
            routes = [(item.path, item)]
        for path, found in routes:
            if isinstance(found, Route):
                yield from ((path, method) for method in sorted(found.methods or ()) if method != "HEAD")


def encoded(text: str) -> str:
    """Percent-encoded as a client that sends whatever it has would (a lone surrogate as its bytes)."""
    return quote(text, safe="", errors="surrogatepass")


def filled(path: str, values: dict[str, str]) -> str:
    return re.sub(r"{(\w+)(?::\w+)?}", lambda match: values[match.group(1)], path)


async def crawl(site: Site, client: httpx.AsyncClient, who: str, starts: list[str], limit: int) -> None:
    """Read the POST forms of the pages reachable from `starts` (links followed in order, at most `limit` pages)."""
    seen: set[str] = set()
    pending = list(starts)
    while pending and len(seen) < limit:
        page = pending.pop(0)
        if page in seen:
            continue
        seen.add(page)
        answer = await client.get(page)
        if answer.status_code != 200 or "text/html" not in answer.headers.get("content-type", ""):
            continue
        reader = FormReader()
        reader.feed(answer.text)
        for action, fields in reader.forms:
            target = urlsplit(urljoin(f"http://testserver{page}", action)).path
            if not LEFT_OUT.search(target) and not any(form.action == target for form in site.forms):
                site.forms.append(Form(who, target, fields))
        for link in sorted(set(reader.links)):
            parts = urlsplit(urljoin(f"http://testserver{page}", link))
            if parts.netloc == "testserver" and parts.path.startswith("/staff") and not DOWNLOADS.search(parts.path):
                pending.append(parts.path)


@pytest.fixture
async def site(app: Starlette) -> AsyncIterator[Site]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    prices = [{"category": "participant", "session": "day1", "amount": 1000}]
    event = await make_event("workshop", prices=prices)
    kinds = [
        ("short", QuestionKind.SHORT_TEXT, []),
        ("note", QuestionKind.LONG_TEXT, []),
        ("diet", QuestionKind.ONE_CHOICE, ["None", "Halal"]),
        ("langs", QuestionKind.SEVERAL_CHOICES, ["English", "日本語"]),
        ("photo", QuestionKind.YES_NO, []),
    ]
    for position, (code, kind, choices) in enumerate(kinds):
        await Question.create(event=event, code=code, label=code.title(), kind=kind, choices=choices, position=position)
    registration = (await make_registration(event, answers={"short": "x", "note": "y"})).registration
    token = await staff_token(email="api@example.org")
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as public,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as staff,
    ):
        await sign_in(staff)
        csrf = csrf_token((await staff.get("/staff/events/workshop")).text)
        values = {"slug": "workshop", "secret": registration.secret, "code": registration.code}
        values |= {"registration_code": registration.code, "session": "day1", "session_code": "day1"}
        values |= {"number": "1.pdf", "id": "1", "message_id": "1", "ref": "1-00", "batch": "x" * 16}
        values |= {"token": "x" * 32, "name": "participants.csv"}
        public_csrf = csrf_token((await public.get("/events/workshop")).text)
        found = Site(app, public, staff, token, csrf, public_csrf, values, routes=list(every_route(app)))
        await crawl(found, public, "public", ["/events/workshop", f"/manage/{registration.secret}"], limit=5)
        person = f"/staff/events/workshop/registrations/{registration.code}"
        await crawl(found, staff, "staff", ["/staff/", "/staff/events/workshop", person], limit=80)
        assert len(found.forms) > 25, f"the pages' forms were found: {[form.action for form in found.forms]}"
        found.places = places(found)
        yield found
    # Asserted once every example has run, not in an example: hypothesis runs a failing example
    # again to see it fail, and the site (its data, and the places' turn) has moved on by then.
    assert found.failures == [], "no 500, no file that will not open, no error or refused value in the log"


# What each example sends ---------------------------------------------------------------------------


def leaves(value: Any, location: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The place of every value in a JSON body (containers' places too: a whole list may be wrong)."""
    if location:
        yield location
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from leaves(inner, (*location, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from leaves(inner, (*location, index))


def replaced(body: Any, location: tuple[Any, ...], value: Any) -> Any:
    body = json.loads(json.dumps(body))
    target = body
    for part in location[:-1]:
        target = target[part]
    target[location[-1]] = value
    return body


def json_targets(site: Site, number: int) -> list[tuple[str, str, str, Any]]:
    """(who, method, path, valid body) for every JSON input, made new for each request (unique e-mails and ids)."""
    code = site.values["code"]
    answers = {"short": "a", "note": "b\nc", "diet": "Halal", "langs": ["日本語"], "photo": True}
    person = {"name": f"Ana {number}", "name_reading": "アナ", "email": f"p{number}@example.org", "organization": "NGO"}
    person |= {"category": "participant", "language": "ja", "sessions": ["day1"], "answers": answers}
    person |= {"member_number": "", "reduced_fee": False}
    event = event_data(f"made-{number}", description="D", translations={"en": {"title": "T", "description": "D"}})
    patch = {"title": "T", "description": "D", "venue": "V", "city": "C", "translations": {"en": {"venue": "V"}}}
    patch["sessions"] = [{"code": "day1", "title": "Day 1", "location": "L", "description": "D"}]
    scan = {"scan": code, "session": "day1", "device": "door-A", "scan_id": f"s{number}"}
    payment = {"amount": 1, "method": "cash", "note": "n", "payment_id": f"p{number}", "device": "desk", "fee": None}
    slug = "/api/v1/events/workshop"
    return [
        ("public", "POST", f"{slug}/registrations", person),
        ("public", "POST", "/api/v1/tokens", {"email": "organizer@example.org", "password": "x", "label": "l"}),
        ("staff", "POST", "/api/v1/events", event),
        ("staff", "PATCH", slug, patch),
        ("staff", "POST", f"{slug}/checkins", scan),
        ("staff", "POST", f"{slug}/checkouts", scan),
        ("staff", "POST", f"{slug}/registrations/{code}/payments", payment),
        ("staff", "POST", "/staff/events/workshop/scan", scan),
        ("staff", "POST", "/staff/events/workshop/scan/guest", {"session": "day1", "delta": 1, "device": "d"}),
        ("staff", "POST", "/staff/events/workshop/scan/undo", {"session": "day1", "code": code, "device": "d"}),
        ("staff", "POST", "/staff/events/workshop/kiosk/scan", {"scan": "person1@example.org"}),
    ]


@dataclass(frozen=True)
class Place:
    """One place a hostile value goes: a JSON body's field, a form's field (or one more field of its
    own), a path parameter of a route, or every query value of a GET route at once."""

    kind: str  # "register", "json", "form", "path" or "query"
    target: Any  # the JSON input's index, the form's index, or the route (path, method)
    where: Any = None  # the body's place, the form field's index, or the path parameter's name


def places(site: Site) -> list[Place]:
    """Every place, the kinds taking turns, and a registration every fourth request (with a value drawn
    for one of its fields): what registrations accept is what the exports are made of."""
    bodies = [
        Place("json", index, location)
        for index, (_who, _method, _path, body) in enumerate(json_targets(site, 0))
        for location in leaves(body)
    ]
    forms = [
        Place("form", index, field) for index, form in enumerate(site.forms) for field in range(len(form.fields) + 1)
    ]
    paths = [Place("path", route, name) for route in site.routes for name in re.findall(r"{(\w+)", route[0])]
    queries = [Place("query", route) for route in site.routes if route[1] == "GET"]
    turns = [place for group in itertools.zip_longest(bodies, forms, paths, queries) for place in group if place]
    return [
        place for index, turn in enumerate(turns) for place in ([turn] if index % 3 else [Place("register", 0), turn])
    ]


async def send_json(site: Site, place: Place, value: Any, choice: int, number: int) -> tuple[str, httpx.Response]:
    who, method, path, body = json_targets(site, number)[place.target]
    if place.where is None:
        some = list(leaves(body))
        location = some[choice % len(some)]
    else:
        location = place.where
    body = replaced(body, location, value)
    client, headers = site.client(who)
    headers = {**headers, "Content-Type": "application/json"}
    return f"{method} {path} {location}", await client.request(method, path, content=json.dumps(body), headers=headers)


#: What a person types in an empty field the form needs, so that forms are accepted with the hostile value.
TYPED = {"name": "Ana Form", "title": "Title", "label": "Label", "slug": "form-{n}", "code": "q{n}"}


async def send_form(site: Site, place: Place, text: str, number: int) -> tuple[str, httpx.Response]:
    form = site.forms[place.target]
    typed = {**TYPED, "email": f"form{number}@example.org"}
    csrf = site.csrf if form.client == "staff" else site.public_csrf
    fields = [
        (name, csrf if name == "csrf_token" else value or typed.get(name, "").format(n=number))
        for name, value in form.fields
    ]
    if place.where == len(fields):
        fields.append((text, "x"))  # a field the form does not have, named with the text
    else:
        fields[place.where] = (fields[place.where][0], text)
    body = "&".join(f"{encoded(name)}={encoded(value)}" for name, value in fields)
    client, headers = site.client(form.client)
    headers = {**headers, "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
    answer = await client.post(form.action, content=body, headers=headers)
    return f"form {form.action} {fields[min(place.where, len(fields) - 1)][0]!r}", answer


async def send_query(site: Site, place: Place, text: str) -> tuple[str, httpx.Response]:
    path, _method = place.target
    text = text[: URL_TEXT // len(QUERY_NAMES)]
    url = f"{filled(path, site.values)}?" + "&".join(f"{name}={encoded(text)}" for name in QUERY_NAMES)
    client, headers = site.client()
    return f"GET {path}?...={text[:20]!r}", await client.get(url, headers={**headers, "Accept": "text/html"})


async def send_path(site: Site, place: Place, text: str) -> tuple[str, httpx.Response]:
    (path, method), name = place.target, place.where
    text = text[:URL_TEXT]
    url = filled(path, {**site.values, name: encoded(text) or "%20"})
    client, headers = site.client()
    return f"{method} {path} {name}={text[:20]!r}", await client.request(method, url, headers=headers)


# What must still answer ---------------------------------------------------------------------------

EXPORTS = [
    "/api/v1/events/{slug}/participants.csv",
    "/api/v1/events/{slug}/participants.xlsx",
    "/api/v1/events/{slug}/attendance.csv",
    "/api/v1/events/{slug}/attendance.xlsx",
    "/api/v1/events/{slug}/payments.csv",
    "/api/v1/events/{slug}/payments.xlsx",
    "/api/v1/events/{slug}/registrations",
    "/api/v1/events/{slug}/attendance",
    "/api/v1/events/{slug}/money",
    "/api/v1/events/{slug}",
    "/events/{slug}",
    "/events/{slug}/calendar.ics",
    "/staff/events/{slug}",
    "/staff/events/{slug}/report",
    "/staff/events/{slug}/report?lang=en",
    "/api/v1/events/{slug}/report.pdf",
    "/staff/events/{slug}/sessions/day1/sign-in-sheet.pdf",
]
PERSON = [
    "/staff/events/{slug}/registrations/{code}",
    "/staff/events/{slug}/registrations/{code}/data.json",
    "/manage/{secret}",
    "/api/v1/registrations/{secret}",
]


async def everything_made_still_answers(site: Site) -> None:
    events = [site.values["slug"]]
    events += [event.slug for event in await Event.filter(updated_at__gte=site.checked_since).order_by("id")]
    people = await Registration.filter(updated_at__gte=site.checked_since).prefetch_related("event").order_by("id")
    site.checked_since = clock.now()
    urls = [url.format(slug=slug) for slug in dict.fromkeys(events) for url in EXPORTS]
    urls += [url.format(slug=p.event.slug, code=p.code, secret=p.secret) for p in people for url in PERSON]
    client, headers = site.client()
    for url in urls:
        answer = await client.get(url, headers=headers)
        if answer.status_code >= 500:
            site.failures.append(f"{url} answers {answer.status_code} after what was accepted")
        elif url.endswith(".xlsx") and answer.status_code == 200:
            try:
                load_workbook(io.BytesIO(answer.content))
            except Exception as exc:
                site.failures.append(f"{url} does not open: {exc!r}")


async def send(site: Site, place: Place, value: Any, text: str, choice: int) -> tuple[str, httpx.Response]:
    if place.kind in ("register", "json"):
        return await send_json(site, place, value, choice, next(site.numbers))
    if place.kind == "form":
        return await send_form(site, place, text, next(site.numbers))
    if place.kind == "query":
        return await send_query(site, place, text)
    return await send_path(site, place, text)


class Errors(logging.Handler):
    """Keeps what the app logs as an error (a 500's traceback), and the ORM's refusals of values
    no check caught (answered 422, logged as a warning so the missing check is found here)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.name == "tsudoi.errors":
            self.records.append(record)


@pytest.fixture
def errors_logged() -> Iterator[list[logging.LogRecord]]:
    handler, root = Errors(), logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)


@EXAMPLES
@given(data=st.data())
async def test_no_text_anywhere_makes_anything_answer_500(
    site: Site, errors_logged: list[logging.LogRecord], data: st.DataObject
) -> None:
    """Each example's failures are kept on the site; the site's fixture asserts there are none."""
    # Drawn at once, whatever the places (they take turns outside hypothesis's view).
    drawn = data.draw(st.lists(st.tuples(st.integers(0, 10**6), hostile_value), min_size=REQUESTS, max_size=REQUESTS))
    for choice, value in drawn:
        text = value if isinstance(value, str) else json.dumps(value)  # a wrong type, as text
        place = site.places[next(site.turn) % len(site.places)]
        try:
            sent, answer = await send(site, place, value, text, choice)
        except Exception as exc:  # the test's own trouble (a URL the client refuses): reported with the rest
            site.failures.append(f"{place} with {text[:40]!r}: {exc!r}")
            continue
        if answer.status_code >= 500:
            site.failures.append(f"{sent}: {answer.status_code}")
    await everything_made_still_answers(site)
    site.failures += [f"logged: {record.getMessage()}" for record in errors_logged]
    errors_logged.clear()

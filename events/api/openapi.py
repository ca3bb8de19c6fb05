"""The OpenAPI 3.1 document of the HTTP API, built from the same pydantic models that validate input.

Response shapes are declared here as models too; a test checks real answers against them, so the
document cannot drift from what the API does.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import JSONResponse

from events import __version__
from events.api.tokens import TokenRequest
from events.badges.render import LAYOUTS
from events.checkin.schemas import ScanInput
from events.money.schemas import PaymentInput
from events.program.schemas import EventInput, EventPatch
from events.registrations.schemas import RegistrationInput

SeatState = Literal["confirmed", "waitlisted", "cancelled"]


class Error(BaseModel):
    error: str = Field(description="Machine-readable code, e.g. not_found, already_registered.")
    message: str = Field(description="A sentence for people.")
    fields: dict[str, str] | None = Field(default=None, description="On 422: what is wrong with each field.")


class EventSummary(BaseModel):
    slug: str
    title: str
    starts_on: str = Field(description="YYYY-MM-DD")
    ends_on: str
    timezone: str
    city: str
    venue: str
    registration_open: bool


class Wording(BaseModel):
    title: str | None = None
    description: str | None = None


class EventWording(Wording):
    venue: str | None = None


class SessionWording(Wording):
    location: str | None = None


class QuestionWording(BaseModel):
    label: str | None = None
    help_text: str | None = None
    choices: dict[str, str] | None = Field(default=None, description="A choice as written → its translation")


class SessionOut(BaseModel):
    code: str
    title: str
    kind: Literal["day", "plenary", "workshop", "lecture", "symposium", "reception", "other"]
    starts_at: str = Field(description="ISO 8601 with the event's offset")
    ends_at: str
    location: str
    capacity: int | None = Field(description="null when unlimited")
    confirmed: int
    remaining: int | None = Field(description="null when unlimited")
    translations: dict[str, SessionWording] = Field(
        description="(extension) Title, description and room in other languages, by language code"
    )
    exits: bool = Field(description="(1.1) The door scans people out as well as in: who is inside now is counted")
    room_limit: int | None = Field(description="(extension) How many the room may hold at once; null: no warning")


class CategoryWording(BaseModel):
    label: str


class Category(BaseModel):
    code: str
    label: str
    staff_only: bool | None = Field(default=None, description="(extension) Given by staff only; staff see it")
    translations: dict[str, CategoryWording] | None = Field(
        default=None, description="(extension) The label in other languages, by language code"
    )


class QuestionOut(BaseModel):
    code: str = Field(description="The key of its answer in a registration's answers")
    label: str
    help: str
    kind: Literal["short_text", "long_text", "one_choice", "several_choices", "yes_no"]
    required: bool
    choices: list[str] = Field(description="The options of one_choice and several_choices; empty otherwise")
    session: str | None = Field(description="Asked only of people who choose this session; null: of everyone")
    translations: dict[str, QuestionWording] = Field(
        description="(extension) Label, help text and choices in other languages; answers use the choices as written"
    )


class PriceOut(BaseModel):
    category: str
    session: str
    amount: int = Field(description="Whole yen")
    reduced: int | None = Field(default=None, description="(extension) The lower amount anyone may choose to pay")


class CancellationPolicyOut(BaseModel):
    from_date: str = Field(description="From this day (the event's own) on, cancelling keeps the fee")
    amount: int | None = Field(default=None, description="A fixed sum kept, never above what the seats cost")
    percent: int | None = Field(default=None, description="Or this percent of what the seats cost, rounded down")


class EventOut(EventSummary):
    description: str
    language: Literal["ja", "en", "ko", "tl"] = Field(
        description="(extension) The language title and description are in"
    )
    translations: dict[str, EventWording] = Field(
        description="(extension) Title, description and venue in other languages, by language code"
    )
    status: Literal["draft", "published", "closed", "cancelled"]
    registration_opens_at: str | None
    registration_closes_at: str | None
    categories: list[Category]
    sessions: list[SessionOut]
    questions: list[QuestionOut] = Field(description="The registration form's questions, in order")
    currency: Literal["JPY"] = Field(description="(1.1) The currency of every amount, in whole units")
    prices: list[PriceOut] = Field(description="(1.1) What a seat costs by category and session; unlisted: free")
    cancellation_policy: CancellationPolicyOut | None = Field(
        description="(extension) What a late cancellation keeps; null: cancelling costs nothing"
    )
    certificate_min_sessions: int | None = Field(
        description="(1.1) A certificate for those who attended at least this many sessions; null: none"
    )
    certificate_sessions: list[str] = Field(
        description="(extension) Or for those who attended every one of these sessions"
    )
    kiosk_prints_badges: bool | None = Field(
        default=None, description="(extension, organizers) Self check-in kiosks print a badge label"
    )
    member_units_lifted: bool | None = Field(
        default=None, description="(extension, organizers) An organizational member's people all pay the member price"
    )


class SeatOut(BaseModel):
    code: str
    status: SeatState


class Links(BaseModel):
    manage: str = Field(description="The participant's own page (HTML); holds an unguessable secret.")
    api: str
    badge: str
    calendar: str
    receipts: str = Field(description="(1.1) The participant's receipts (JSON)")


MEMBERSHIP = (
    "(extension) In a member category: confirmed by the member roster, or to_confirm at the desk "
    "(the member price either way)"
)
AMOUNT_DUE = "(1.1) What is still to pay in whole yen, after payments, refunds and waivers (negative: owed back)"


class RegistrationCreated(BaseModel):
    code: str = Field(description="8 characters printed on the badge")
    status: Literal["confirmed", "waitlisted"]
    sessions: list[SeatOut]
    amount_due: int = Field(description=AMOUNT_DUE)
    membership: Literal["confirmed", "to_confirm"] | None = Field(default=None, description=MEMBERSHIP)
    links: Links


class SeatDetail(BaseModel):
    code: str
    title: str
    status: SeatState
    checked_in_at: str | None
    waitlist_position: int | None = None


class RegistrationOut(BaseModel):
    code: str
    name: str
    name_reading: str
    organization: str
    category: str
    language: Literal["ja", "en", "ko", "tl"]
    status: SeatState
    created_at: str | None
    sessions: list[SeatDetail]
    email: str | None = Field(default=None, description="Only for the participant and organizers, never door staff.")
    event: str | None = None
    amount_due: int | None = Field(default=None, description=AMOUNT_DUE + "; on the participant's own")
    membership: Literal["confirmed", "to_confirm"] | None = Field(
        default=None, description=MEMBERSHIP + "; on the participant's own"
    )
    cancellation_fee: int | None = Field(
        default=None,
        description="(extension) On the participant's own: what cancelling now keeps under the event's policy",
    )
    links: Links | None = None
    answers: dict[str, str | list[str] | bool] | None = Field(
        default=None, description="Organizers only: the answers keyed by question code (yes_no as true/false)."
    )


class SecretReplaced(BaseModel):
    code: str
    links: Links


class ScanPerson(BaseModel):
    code: str
    name: str
    organization: str
    category: str
    category_label: str


class ScanOut(BaseModel):
    result: Literal[
        "ok",
        "already_checked_in",
        "not_registered",
        "waitlisted",
        "cancelled",
        "unknown",
        "invalid",
        "out",
        "not_inside",
    ]
    message: str
    error: str | None = Field(default=None, description="On refusals: the same as result")
    session: str | None = None
    checked_in_at: str | None = Field(default=None, description="ok: now; already_checked_in: the first time")
    device: str | None = Field(default=None, description="already_checked_in: the device of the first check-in")
    registration: ScanPerson | None = None
    off_day: bool | None = Field(
        default=None, description="true when the check-in is on no day of the session (a test run, a late scan)"
    )
    note: str | None = Field(default=None, description="With off_day: the session's day, said for the door")
    amount_due: int | None = Field(
        default=None, description="(1.1) ok and already_checked_in: what is still to pay at the desk, in whole yen"
    )
    to_pay: str | None = Field(default=None, description="(extension) With an amount due: the sentence to show")
    inside: int | None = Field(
        default=None, description="(1.1) Sessions with exits: who is inside now, after this scan"
    )
    room_limit: int | None = Field(default=None, description="(extension) With a warning: the room's limit")
    warning: str | None = Field(default=None, description="(extension) The room is nearly full: the sentence to show")
    fields: dict[str, str] | None = None


class SessionCategoryFigures(BaseModel):
    confirmed: int
    waitlisted: int
    checked_in: int


class CategoryAttendance(BaseModel):
    code: str
    label: str
    confirmed: int
    waitlisted: int
    cancelled: int
    checked_in_unique: int = Field(description="People of this category checked in to at least one session")


class SessionAttendance(BaseModel):
    code: str
    title: str
    kind: str
    starts_at: str
    capacity: int | None
    confirmed: int
    waitlisted: int
    checked_in: int
    no_show: int = Field(description="Confirmed seats with no check-in")
    guests: int = Field(description="People let in who never registered (the door's +1 guest)")
    walk_ins: int = Field(description="Check-ins of people registered at the desk on the day (in checked_in)")
    by_source: dict[str, int] = Field(description="Check-ins by how they were taken: scan, typed, search, paper…")
    by_category: dict[str, SessionCategoryFigures] = Field(description="The figures per participant category")
    inside: int | None = Field(default=None, description="(1.1) Sessions with exits: who is inside now")
    peak_inside: int | None = Field(default=None, description="(1.1) Sessions with exits: the most inside at once")
    peak_at: str | None = Field(default=None, description="(extension) When peak_inside was first reached")
    room_limit: int | None = Field(default=None, description="(extension) Sessions with exits: the room's limit")
    nearly_full: bool | None = Field(default=None, description="(extension) At 90% of room_limit or more")


class DayAttendance(BaseModel):
    date: str
    checked_in_unique: int = Field(description="People checked in to at least one session that day")


class RegistrationCounts(BaseModel):
    confirmed: int
    waitlisted: int
    cancelled: int


class AttendanceOut(BaseModel):
    event: str
    registrations: RegistrationCounts
    title: str
    checked_in_unique: int = Field(description="People checked in to at least one session")
    guests: int = Field(description="Unregistered guests at all sessions (not in checked_in_unique)")
    sessions: list[SessionAttendance]
    days: list[DayAttendance]
    categories: list[CategoryAttendance] = Field(description="Registrations and attendance per participant category")


class PaymentOut(BaseModel):
    id: int
    amount: int = Field(description="Whole yen, as money moved (always positive)")
    method: Literal["cash", "transfer", "waiver", "refund"]
    at: str = Field(description="ISO 8601 with the event's offset")
    note: str
    staff: str = Field(description="(extension) The staff account that recorded it")
    payment_id: str | None


class ReceiptLink(BaseModel):
    number: str = Field(description="Consecutive within the event, never reused: 0001, 0002…")
    pdf: str


class ReceiptOut(ReceiptLink):
    amount: int = Field(description="Whole yen")
    paid_at: str


class PaymentRecorded(PaymentOut):
    amount_due: int = Field(description="What is still to pay after this entry")
    receipt: ReceiptLink | None = Field(description="The payment's receipt; null for a waiver or a refund")


class MoneySums(BaseModel):
    charged: int = Field(description="What the confirmed seats cost (charges less charges reversed)")
    paid_cash: int
    paid_transfer: int
    refunded: int
    waived: int
    outstanding: int = Field(description="What people still owe")
    owed_back: int = Field(description="What the organizers still owe people")


class CategoryMoney(MoneySums):
    code: str
    label: str


class SessionMoney(BaseModel):
    code: str
    title: str
    charged: int


class MoneyOut(MoneySums):
    currency: Literal["JPY"]
    by_category: list[CategoryMoney]
    by_session: list[SessionMoney]


class TokenOut(BaseModel):
    token: str
    role: Literal["organizer", "door"]
    email: str


MODELS: list[type[BaseModel]] = [
    Error,
    EventSummary,
    EventOut,
    RegistrationCreated,
    RegistrationOut,
    SecretReplaced,
    ScanOut,
    AttendanceOut,
    PaymentOut,
    PaymentRecorded,
    ReceiptOut,
    MoneyOut,
    TokenOut,
]
INPUTS: list[type[BaseModel]] = [EventInput, EventPatch, RegistrationInput, TokenRequest, ScanInput, PaymentInput]


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


#: A door's refusal in the scan's shape (`result: unknown`) or in the error shape (no such event).
#: `anyOf`, not `oneOf`: a scan's refusal carries `error` and `message` too, so it is both at once.
SCAN_OR_ERROR = {"anyOf": [_ref(ScanOut), _ref(Error)]}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    descriptions = {
        401: "No valid staff token (also when an optional token is sent but not valid)",
        403: "The token's role may not do this",
        404: "No such event or link",
        409: "A business conflict (registration_closed, already_registered, slug_taken, no_badge, nothing_to_pay)",
        413: "Body over 64 KiB",
        422: "Malformed JSON, a field that fails validation, or a rule between fields (an end before a start)",
        429: "Too many registrations from one address",
    }
    return {str(status): _json(_ref(Error), descriptions[status]) for status in statuses}


def _body(model: type[BaseModel]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(model)}}}


SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
#: /healthz and /readyz: a status and what the load balancer may want to see.
_HEALTH: dict[str, Any] = {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}}
SECRET = {
    "name": "secret",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The capability secret from the registration's links.",
}
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
RECEIPT_NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9]{1,9}\\.pdf$"},
    "description": "The receipt's number and .pdf, as its pdf link has it: 0001.pdf",
}
RECEIPT_OPTIONS = [
    {
        "name": "lang",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["ja", "en"], "default": "ja"},
    },
    {
        "name": "kanji",
        "in": "query",
        "required": False,
        "description": "1: the amount as 金壱万弐千円也",
        "schema": {"type": "string", "enum": ["0", "1"], "default": "0"},
    },
]


BOM = {
    "name": "bom",
    "in": "query",
    "required": False,
    "description": "1 (default): UTF-8 with a byte-order mark, for Excel; 0: plain UTF-8",
    "schema": {"type": "string", "enum": ["0", "1"], "default": "1"},
}
DOWNLOADS = {
    "attendance.csv": ("getAttendanceCsv", "One row per session, the attendance figures' columns", "text/csv"),
    "attendance.xlsx": ("getAttendanceXlsx", "The same as attendance.csv, as a workbook", "xlsx"),
    "participants.csv": (
        "getParticipantsCsv",
        "One row per registration: code, name, organization, category, email, status, then each session's "
        "check-in time (empty if none), then name_reading, language, registered_at, amount_due, paid (whole yen), "
        "then one column per "
        "registration question headed q:<code> (several choices joined with '; ', yes_no as yes/no)",
        "text/csv",
    ),
    "participants.xlsx": ("getParticipantsXlsx", "The same as participants.csv, as a workbook", "xlsx"),
    "payments.csv": (
        "getPaymentsCsv",
        "(1.1) The ledger: every charge, payment, refund and waiver, one a row: id, at, code, name, category, "
        "kind, method, session, amount (as money moved), effect_on_amount_due, note, staff, payment_id",
        "text/csv",
    ),
    "payments.xlsx": ("getPaymentsXlsx", "(extension) The same as payments.csv, as a workbook", "xlsx"),
    "report.pdf": (
        "getReportPdf",
        "The attendance report for funders: figures, charts, category breakdown, definitions",
        "application/pdf",
    ),
}


def _downloads() -> dict[str, Any]:
    """The organizers' exports: spreadsheets and the PDF report."""
    from events.reports.exports import XLSX_TYPE

    documented: dict[str, Any] = {}
    for name, (operation_id, summary, media_type) in DOWNLOADS.items():
        is_csv = name.endswith(".csv")
        operation: dict[str, Any] = {
            "operationId": operation_id,
            "summary": f"{summary} (organizer)",
            "security": BEARER,
            "responses": {
                "200": {"description": name, "content": {XLSX_TYPE if media_type == "xlsx" else media_type: {}}},
                **_errors(401, 403, 404, *((422,) if is_csv else ())),
            },
        }
        if is_csv:
            operation["parameters"] = [BOM]
        documented[f"/api/v1/events/{{slug}}/{name}"] = {"parameters": [SLUG], "get": operation}
    return documented


def paths() -> dict[str, Any]:
    return {
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1"}},
            }
        },
        "/api/v1/events": {
            "get": {
                "operationId": "listEvents",
                "summary": "Published events",
                "responses": {"200": _json({"type": "array", "items": _ref(EventSummary)}, "Published events")},
            },
            "post": {
                "operationId": "createEvent",
                "summary": "Create an event with its sessions (organizer); published at once",
                "security": BEARER,
                "requestBody": _body(EventInput),
                "responses": {"201": _json(_ref(EventOut), "The new event"), **_errors(401, 403, 409, 413, 422)},
            },
        },
        "/api/v1/events/{slug}": {
            "parameters": [SLUG],
            "get": {
                "operationId": "getEvent",
                "summary": "An event with its sessions and seats left",
                "responses": {"200": _json(_ref(EventOut), "The event"), **_errors(404)},
            },
            "patch": {
                "operationId": "updateEvent",
                "summary": "Change fields and sessions by code (organizer)",
                "description": "A capacity below the confirmed count is a 422; a raised one promotes waiting seats.",
                "security": BEARER,
                "requestBody": _body(EventPatch),
                "responses": {"200": _json(_ref(EventOut), "The event"), **_errors(401, 403, 404, 413, 422)},
            },
        },
        "/api/v1/events/{slug}/registrations": {
            "parameters": [SLUG],
            "post": {
                "operationId": "register",
                "summary": "Register one person for chosen sessions",
                "description": (
                    "Each session is confirmed while it has seats, else waitlisted. Unknown fields are ignored. "
                    "answers holds the answers to the event's questions (see the event's questions), keyed by "
                    "code; a missing required answer or a wrong one is a 422 naming answers.<code>."
                ),
                "requestBody": _body(RegistrationInput),
                "responses": {
                    "201": _json(_ref(RegistrationCreated), "Registered"),
                    **_errors(401, 404, 409, 413, 422, 429),
                },
            },
            "get": {
                "operationId": "listRegistrations",
                "summary": "Registrations (organizer: with e-mail; door: without)",
                "security": BEARER,
                "parameters": [
                    {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 200}}
                ],
                "responses": {
                    "200": _json({"type": "array", "items": _ref(RegistrationOut)}, "Matching registrations"),
                    **_errors(401, 403, 404, 422),
                },
            },
        },
        "/api/v1/events/{slug}/registrations/{code}/replace-secret": {
            "parameters": [
                SLUG,
                {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
            "post": {
                "operationId": "replaceSecret",
                "summary": "New links and a new badge QR code for a lost badge or a leaked link (organizer)",
                "description": "The registration's old links and its old badge's QR code stop working at once.",
                "security": BEARER,
                "responses": {
                    "200": _json(_ref(SecretReplaced), "The new links"),
                    **_errors(401, 403, 404),
                },
            },
        },
        "/api/v1/events/{slug}/registrations/{code}/payments": {
            "parameters": [
                SLUG,
                {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
            "post": {
                "operationId": "recordPayment",
                "summary": "(1.1) Record a payment (cash, transfer), a waiver or a refund (organizer; desk: payments)",
                "description": (
                    "A payment or waiver needs something owed and at most that much; a refund, money paid and at "
                    "most that much (otherwise 409 nothing_to_pay, or 422 on amount). The same payment_id sent "
                    "again answers what it answered first and records nothing new. Two desks paying the same "
                    "person at once record one payment; the other is told nothing_to_pay. A door account given the "
                    "right to take payments (tsudoi staff add --takes-payments) records cash and transfers only "
                    "(a refund or waiver is 403), and its receipt's pdf link is the staff one, never the "
                    "participant's."
                ),
                "security": BEARER,
                "requestBody": _body(PaymentInput),
                "responses": {
                    "201": _json(_ref(PaymentRecorded), "Recorded (or recorded before, for a repeated payment_id)"),
                    **_errors(401, 403, 404, 409, 413, 422),
                },
            },
            "get": {
                "operationId": "listPayments",
                "summary": "(1.1) The registration's payments, refunds and waivers, oldest first (organizer, desk)",
                "security": BEARER,
                "responses": {
                    "200": _json({"type": "array", "items": _ref(PaymentOut)}, "The entries"),
                    **_errors(401, 403, 404),
                },
            },
        },
        "/api/v1/events/{slug}/registrations/{code}/receipts": {
            "parameters": [
                SLUG,
                {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
            "get": {
                "operationId": "listStaffReceipts",
                "summary": "(extension) A registration's receipts for the desk, oldest first (organizer, desk)",
                "security": BEARER,
                "responses": {
                    "200": _json({"type": "array", "items": _ref(ReceiptOut)}, "The receipts, with staff links"),
                    **_errors(401, 403, 404),
                },
            },
        },
        "/api/v1/events/{slug}/registrations/{code}/receipts/{number}": {
            "parameters": [
                SLUG,
                {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
                RECEIPT_NUMBER,
            ],
            "get": {
                "operationId": "getStaffReceipt",
                "summary": "(extension) One receipt as a PDF, for the desk to print (organizer, desk)",
                "security": BEARER,
                "parameters": RECEIPT_OPTIONS,
                "responses": {
                    "200": {"description": "PDF", "content": {"application/pdf": {}}},
                    **_errors(401, 403, 404, 422),
                },
            },
        },
        "/api/v1/events/{slug}/checkins": {
            "parameters": [SLUG],
            "post": {
                "operationId": "checkIn",
                "summary": "Check a scanned badge or a typed code in at a session's door (door, organizer)",
                "description": (
                    "Counted at most once per registration and session, whatever runs at the same moment. "
                    "The same device and scan_id sent again answers as the first time and counts nothing new."
                ),
                "security": BEARER,
                "requestBody": _body(ScanInput),
                "responses": {
                    "201": _json(_ref(ScanOut), "ok: counted now"),
                    "200": _json(_ref(ScanOut), "already_checked_in: counted before; nothing new"),
                    "409": _json(_ref(ScanOut), "not_registered, waitlisted or cancelled"),
                    "404": _json(
                        SCAN_OR_ERROR,
                        "unknown: no such registration here, or a forged badge (ScanOut); "
                        "or no such event, or one not open to this account (the error shape)",
                    ),
                    "422": _json(SCAN_OR_ERROR, "invalid: no session of that code, or a malformed body"),
                    **_errors(401, 403, 413),
                },
            },
        },
        "/api/v1/events/{slug}/checkouts": {
            "parameters": [SLUG],
            "post": {
                "operationId": "checkOut",
                "summary": "(1.1) Count a person out of a session whose door counts exits (door, organizer)",
                "description": (
                    "The check-in's body. Counted out at most once, whatever runs at the same moment; who is "
                    "inside never goes below zero. Checking in again after leaving answers ok and counts nothing "
                    "new in checked_in."
                ),
                "security": BEARER,
                "requestBody": _body(ScanInput),
                "responses": {
                    "201": _json(_ref(ScanOut), "out: counted out now, with inside"),
                    "409": _json(_ref(ScanOut), "not_inside: not inside (never came in here, or left already)"),
                    "404": _json(
                        SCAN_OR_ERROR,
                        "unknown: no such registration here, or a forged badge; or no such event",
                    ),
                    "422": _json(
                        SCAN_OR_ERROR,
                        "invalid: no session of that code, a malformed body, or a session that counts no exits",
                    ),
                    **_errors(401, 403, 413),
                },
            },
        },
        "/api/v1/events/{slug}/attendance": {
            "parameters": [SLUG],
            "get": {
                "operationId": "getAttendance",
                "summary": "Live attendance: registrations, and per session and day who checked in (door, organizer)",
                "security": BEARER,
                "responses": {"200": _json(_ref(AttendanceOut), "The figures"), **_errors(401, 403, 404)},
            },
        },
        "/api/v1/events/{slug}/money": {
            "parameters": [SLUG],
            "get": {
                "operationId": "getMoney",
                "summary": "(extension) The event's money: charged, paid, refunded, waived, outstanding (organizer)",
                "description": "The same sums as the report page, its PDF and the files. For every event "
                "charged - paid_cash - paid_transfer + refunded - waived == outstanding - owed_back.",
                "security": BEARER,
                "responses": {"200": _json(_ref(MoneyOut), "The figures"), **_errors(401, 403, 404)},
            },
        },
        **_downloads(),
        "/api/v1/events/{slug}/checkins/{registration_code}/{session_code}": {
            "parameters": [
                SLUG,
                {"name": "registration_code", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "session_code", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
            "delete": {
                "operationId": "undoCheckIn",
                "summary": "Undo a mistaken check-in (logged, not erased from the scan log)",
                "security": BEARER,
                "parameters": [
                    {"name": "device", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 64}}
                ],
                "responses": {"204": {"description": "Undone"}, **_errors(401, 403, 404)},
            },
        },
        "/api/v1/registrations/{secret}": {
            "parameters": [SECRET],
            "get": {
                "operationId": "getRegistration",
                "summary": "The participant's registration",
                "responses": {"200": _json(_ref(RegistrationOut), "The registration"), **_errors(404)},
            },
        },
        "/api/v1/registrations/{secret}/cancel": {
            "parameters": [SECRET],
            "post": {
                "operationId": "cancelRegistration",
                "summary": "Cancel; freed seats go to the oldest waitlisted registrations at once",
                "responses": {"200": _json(_ref(RegistrationOut), "The cancelled registration"), **_errors(404)},
            },
        },
        "/api/v1/registrations/{secret}/receipts": {
            "parameters": [SECRET],
            "get": {
                "operationId": "listReceipts",
                "summary": "(1.1) The participant's receipts, one for each payment, oldest first",
                "responses": {
                    "200": _json({"type": "array", "items": _ref(ReceiptOut)}, "The receipts"),
                    **_errors(404),
                },
            },
        },
        "/api/v1/registrations/{secret}/receipts/{number}": {
            "parameters": [SECRET, RECEIPT_NUMBER],
            "get": {
                "operationId": "getReceipt",
                "summary": "(1.1) One receipt (領収書) as a PDF; each copy after the first says 再発行",
                "parameters": RECEIPT_OPTIONS,
                "responses": {
                    "200": {"description": "PDF", "content": {"application/pdf": {}}},
                    **_errors(404, 422),
                },
            },
        },
        "/api/v1/registrations/{secret}/badge.pdf": {
            "parameters": [SECRET],
            "get": {
                "operationId": "getBadge",
                "summary": "The participant's badge: A6, one page, with the signed QR code",
                "responses": {
                    "200": {"description": "PDF", "content": {"application/pdf": {}}},
                    **_errors(404, 409),
                },
            },
        },
        "/api/v1/registrations/{secret}/certificate.pdf": {
            "parameters": [SECRET],
            "get": {
                "operationId": "getCertificate",
                "summary": "(1.1) The participant's certificate of attendance, in their language",
                "description": (
                    "Issued the first time it is asked for once the event's rule is met (certificate_min_sessions, "
                    "certificate_sessions), numbered in order within the event; the same certificate afterwards. "
                    "Its QR code links to a public page that confirms it."
                ),
                "responses": {
                    "200": {"description": "PDF", "content": {"application/pdf": {}}},
                    "409": _json(_ref(Error), "not_eligible: the rule is not met yet (or the event was purged)"),
                    **_errors(404),
                },
            },
        },
        "/api/v1/events/{slug}/badges.pdf": {
            "parameters": [SLUG],
            "get": {
                "operationId": "getEventBadges",
                "summary": "Every confirmed registration's badge on printable sheets (organizer)",
                "security": BEARER,
                "parameters": [
                    {
                        "name": "layout",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": list(LAYOUTS), "default": "a4-8up"},
                    },
                    {
                        "name": "session",
                        "in": "query",
                        "required": False,
                        "description": "Only people holding a confirmed seat in this session",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "sort",
                        "in": "query",
                        "required": False,
                        "description": "name sorts by the reading where one is given",
                        "schema": {"type": "string", "enum": ["name", "organization", "code"], "default": "name"},
                    },
                    {
                        "name": "start",
                        "in": "query",
                        "required": False,
                        "description": "The label to start at on the first sheet (1 = top left)",
                        "schema": {"type": "integer", "minimum": 1, "default": 1},
                    },
                    {
                        "name": "codes",
                        "in": "query",
                        "required": False,
                        "description": "Only these registration codes (comma-separated): a reprint",
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": {"description": "PDF", "content": {"application/pdf": {}}},
                    **_errors(401, 403, 404, 422),
                },
            },
        },
        "/api/v1/registrations/{secret}/calendar.ics": {
            "parameters": [SECRET],
            "get": {
                "operationId": "getPersonalCalendar",
                "summary": "The participant's sessions as iCalendar (waiting-list seats marked tentative)",
                "responses": {
                    "200": {"description": "iCalendar (RFC 5545)", "content": {"text/calendar": {}}},
                    **_errors(404),
                },
            },
        },
        "/events/{slug}/calendar.ics": {
            "parameters": [SLUG],
            "get": {
                "operationId": "getEventCalendar",
                "summary": "The event's feed: one VEVENT per session, in the event's time zone (also as webcal://)",
                "responses": {
                    "200": {"description": "iCalendar (RFC 5545)", "content": {"text/calendar": {}}},
                    **_errors(404),
                },
            },
        },
        "/healthz": {
            "get": {
                "operationId": "getHealth",
                "summary": "The process is up; `worker` names the worker process that answered",
                "responses": {"200": _json(_HEALTH, "Up")},
            }
        },
        "/readyz": {
            "get": {
                "operationId": "getReadiness",
                "summary": "The database answers and every migration is applied (503 otherwise)",
                "responses": {"200": _json(_HEALTH, "Ready"), "503": _json(_HEALTH, "Not ready")},
            }
        },
        "/api/v1/tokens": {
            "post": {
                "operationId": "createToken",
                "summary": "Exchange a staff e-mail and password for an API token",
                "requestBody": _body(TokenRequest),
                "responses": {"201": _json(_ref(TokenOut), "A new token"), **_errors(401, 413, 422, 429)},
            }
        },
        "/api/v1/tokens/current": {
            "delete": {
                "operationId": "revokeToken",
                "summary": "Revoke the token this request carries",
                "security": BEARER,
                "responses": {"204": {"description": "Revoked"}, **_errors(401)},
            }
        },
    }


@cache
def build() -> dict[str, Any]:
    _keys, definitions = models_json_schema(
        [(model, "validation") for model in INPUTS] + [(model, "serialization") for model in MODELS],
        ref_template="#/components/schemas/{model}",
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tsudoi HTTP API",
            "version": f"1 ({__version__})",
            "description": (
                "Events, sessions and registrations. Errors are {error, message, fields?}. A request addressed "
                "to a host name the server was not given (TSUDOI_BASE_URL, TSUDOI_ALLOWED_HOSTS) is answered "
                "400 unknown_host on every route but /healthz and /readyz."
            ),
        },
        "paths": paths(),
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


async def document(request: Request) -> JSONResponse:
    return JSONResponse(build())

"""A sample national workshop, so a new user sees Tsudoi working in one command."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from events.i18n import Language
from events.program.models import Event
from events.program.schemas import EventInput
from events.program.service import create_event
from events.registrations.schemas import RegistrationInput
from events.registrations.service import AlreadyRegistered, register
from events.staff.models import Role
from events.staff.service import new_password, save_staff

DEMO_SLUG = "national-workshop-demo"
ORGANIZER_EMAIL = "organizer@example.org"
TIMEZONE = "Asia/Tokyo"

CATEGORIES = [
    {"code": "individual_member", "label": "個人会員 / Individual member"},
    {"code": "organizational_member", "label": "団体会員 / Organizational member"},
    {"code": "subscriber", "label": "購読会員 / Subscriber"},
    {"code": "non_member", "label": "非会員 / Non-member"},
    {"code": "guest", "label": "ゲスト / Guest"},
    {"code": "staff", "label": "スタッフ / Staff"},
]

SAMPLE_PEOPLE = [
    ("山田 花子", "やまだ はなこ", "移住者と連帯する会", "individual_member", ["day1", "day2", "lecture", "reception"]),
    ("佐藤 健", "さとう けん", "みなと外国人支援センター", "organizational_member", ["day1", "lecture"]),
    ("Maria Santos", "", "Kalayaan Japan", "non_member", ["day1", "day2"]),
    ("김민지", "キム ミンジ", "이주민과 함께", "guest", ["day2", "reception"]),
    ("Nguyễn Thị Lan", "グエン ティ ラン", "ベトナム人支援ネット", "non_member", ["day1", "day2", "reception"]),
    ("João Pereira", "ジョアン ペレイラ", "Associação Brasil-Japão", "subscriber", ["day1"]),
    ("鈴木 一郎", "すずき いちろう", "", "staff", ["day1", "day2", "lecture", "reception"]),
]


#: Maria reads Tagalog, Minji Korean, João English: their e-mails come in those languages.
LANGUAGES_OF_SAMPLE = {3: Language.TL, 4: Language.KO, 6: Language.EN}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(TIMEZONE))


def workshop(first_day: date) -> EventInput:
    second_day = first_day + timedelta(days=1)
    return EventInput.model_validate(
        {
            "slug": DEMO_SLUG,
            "title": f"移住者と連帯する全国ワークショップ {first_day.year}",
            "description": "全国の移住者支援団体が集まる二日間のワークショップです。",
            "language": "ja",
            "translations": {
                "en": {
                    "title": f"National Workshop in Solidarity with Migrants {first_day.year}",
                    "description": "A two-day national workshop of groups that support migrants in Japan.",
                },
                "ko": {
                    "title": f"이주민과 연대하는 전국 워크숍 {first_day.year}",
                    "description": "일본 각지의 이주민 지원 단체가 모이는 이틀간의 워크숍입니다.",
                },
                "tl": {
                    "title": f"Pambansang Workshop para sa Pakikiisa sa mga Migrante {first_day.year}",
                    "description": (
                        "Dalawang-araw na pambansang workshop ng mga grupong tumutulong sa mga migrante sa Japan."
                    ),
                },
            },
            "starts_on": first_day,
            "ends_on": second_day,
            "timezone": TIMEZONE,
            "venue": "市民活動センター",
            "city": "名古屋 / Nagoya",
            "categories": CATEGORIES,
            "sessions": [
                {
                    "code": "day1",
                    "title": "1日目 全体会・分科会",
                    "translations": {
                        "en": {"title": "Day 1: plenary and workshops"},
                        "ko": {"title": "1일차: 전체회의·분과회"},
                        "tl": {"title": "Unang araw: plenaryo at mga workshop"},
                    },
                    "kind": "day",
                    "starts_at": _at(first_day, 10),
                    "ends_at": _at(first_day, 17),
                    "location": "大ホール",
                    "capacity": 150,
                },
                {
                    "code": "lecture",
                    "title": "記念講演",
                    "translations": {
                        "en": {"title": "Evening lecture"},
                        "ko": {"title": "기념 강연"},
                        "tl": {"title": "Panggabing lektyur"},
                    },
                    "kind": "lecture",
                    "starts_at": _at(first_day, 17, 30),
                    "ends_at": _at(first_day, 19),
                    "location": "大ホール",
                    "capacity": 140,
                },
                {
                    "code": "reception",
                    "title": "交流会",
                    "translations": {
                        "en": {"title": "Reception"},
                        "ko": {"title": "교류회"},
                        "tl": {"title": "Salu-salo"},
                    },
                    "kind": "reception",
                    "starts_at": _at(first_day, 19, 15),
                    "ends_at": _at(first_day, 21),
                    "location": "レストラン",
                    "capacity": 110,
                },
                {
                    "code": "day2",
                    "title": "2日目 分科会・まとめ",
                    "translations": {
                        "en": {"title": "Day 2: workshops and closing"},
                        "ko": {"title": "2일차: 분과회·정리"},
                        "tl": {"title": "Ikalawang araw: mga workshop at pagtatapos"},
                    },
                    "kind": "day",
                    "starts_at": _at(second_day, 9, 30),
                    "ends_at": _at(second_day, 15),
                    "location": "会議室 A–D",
                    "capacity": 150,
                },
            ],
        }
    )


async def create_demo(today: date | None = None) -> tuple[Event, str]:
    """Create the sample workshop (once) and reset the organizer's password; return both."""
    first_day = (today or date.today()) + timedelta(days=30)
    event = await Event.get_or_none(slug=DEMO_SLUG)
    if event is None:
        event = await create_event(workshop(first_day))
        for number, (name, reading, organization, category, sessions) in enumerate(SAMPLE_PEOPLE, start=1):
            data = RegistrationInput(
                name=name,
                name_reading=reading,
                email=f"demo{number}@example.org",
                organization=organization,
                category=category,
                language=LANGUAGES_OF_SAMPLE.get(number, Language.JA),
                sessions=sessions,
            )
            try:
                await register(event, data)
            except AlreadyRegistered:
                pass
    password = new_password()
    await save_staff(ORGANIZER_EMAIL, Role.ORGANIZER, password=password, name="Demo organizer")
    return event, password

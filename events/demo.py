"""A sample national workshop, so a new user sees Tsudoi working in one command."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from events.i18n import Language
from events.members import roster
from events.members.models import Member
from events.money import ledger
from events.program.models import Event
from events.program.schemas import EventInput
from events.program.service import create_event
from events.questions.schemas import QuestionInput
from events.questions.service import add_question
from events.registrations.schemas import RegistrationInput, WalkInInput
from events.registrations.service import AlreadyRegistered, register
from events.staff.models import Role
from events.staff.service import new_password, save_staff

DEMO_SLUG = "national-workshop-demo"
ORGANIZER_EMAIL = "organizer@example.org"
TIMEZONE = "Asia/Tokyo"


def _category(
    code: str, ja: str, en: str, ko: str, tl: str, *, staff_only: bool = False, member: bool = False
) -> dict[str, Any]:
    translations = {"en": {"label": en}, "ko": {"label": ko}, "tl": {"label": tl}}
    return {"code": code, "label": ja, "staff_only": staff_only, "member": member, "translations": translations}


CATEGORIES = [
    _category("individual_member", "個人会員", "Individual member", "개인 회원", "Indibidwal na miyembro", member=True),
    _category(
        "organizational_member",
        "団体会員",
        "Organizational member",
        "단체 회원",
        "Miyembrong organisasyon",
        member=True,
    ),
    _category("subscriber", "購読会員", "Subscriber", "구독 회원", "Suskritor", member=True),
    _category("non_member", "非会員", "Non-member", "비회원", "Hindi miyembro"),
    _category("guest", "ゲスト", "Guest", "게스트", "Panauhin"),
    _category("staff", "スタッフ", "Staff", "스태프", "Staff", staff_only=True),
]

#: Rooms as the Japanese programme names them, and in the other languages.
MAIN_HALL = {"en": "Main hall", "ko": "대강당", "tl": "Malaking bulwagan"}
RESTAURANT = {"en": "Restaurant", "ko": "레스토랑", "tl": "Restawran"}
MEETING_ROOMS = {"en": "Meeting rooms A–D", "ko": "회의실 A–D", "tl": "Mga silid-pulungan A–D"}

QUESTIONS = [
    {
        "code": "interpretation",
        "label": "通訳が必要ですか",
        "kind": "one_choice",
        "choices": ["不要", "英語", "タガログ語", "ポルトガル語", "ベトナム語"],
        "translations": {
            "en": {
                "label": "Do you need interpretation?",
                "choices": {
                    "不要": "No",
                    "英語": "English",
                    "タガログ語": "Tagalog",
                    "ポルトガル語": "Portuguese",
                    "ベトナム語": "Vietnamese",
                },
            },
            "ko": {
                "label": "통역이 필요합니까?",
                "choices": {
                    "不要": "필요 없음",
                    "英語": "영어",
                    "タガログ語": "타갈로그어",
                    "ポルトガル語": "포르투갈어",
                    "ベトナム語": "베트남어",
                },
            },
            "tl": {
                "label": "Kailangan mo ba ng interpreter?",
                "choices": {
                    "不要": "Hindi",
                    "英語": "Ingles",
                    "タガログ語": "Tagalog",
                    "ポルトガル語": "Portuges",
                    "ベトナム語": "Vietnamese",
                },
            },
        },
    },
    {
        "code": "diet",
        "label": "食事の配慮",
        "help_text": "交流会の食事で配慮が必要なものを選んでください。",
        "kind": "several_choices",
        "choices": ["ハラール", "ベジタリアン", "豚肉なし"],
        "session": "reception",
        "translations": {
            "en": {
                "label": "Dietary needs",
                "help_text": "What the reception's food should take care of.",
                "choices": {"ハラール": "Halal", "ベジタリアン": "Vegetarian", "豚肉なし": "No pork"},
            },
            "ko": {
                "label": "식사 배려",
                "help_text": "교류회 식사에서 배려가 필요한 것을 골라 주세요.",
                "choices": {"ハラール": "할랄", "ベジタリアン": "채식", "豚肉なし": "돼지고기 없음"},
            },
            "tl": {
                "label": "Mga pangangailangan sa pagkain",
                "help_text": "Piliin ang dapat isaalang-alang sa pagkain sa salu-salo.",
                "choices": {"ハラール": "Halal", "ベジタリアン": "Vegetarian", "豚肉なし": "Walang baboy"},
            },
        },
    },
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


#: The day fee by category (a reduced ¥500 anyone may choose), the reception's ¥4,000; the lecture
#: is free, and staff pay nothing.
DAY_FEES = {"individual_member": 2000, "organizational_member": 2000, "subscriber": 2500, "non_member": 3000}
RECEPTION_FEE = 4000
PRICES = [
    *(
        {"category": category, "session": session, "amount": amount, "reduced": 500}
        for category, amount in DAY_FEES.items()
        for session in ("day1", "day2")
    ),
    *({"category": category, "session": "reception", "amount": RECEPTION_FEE} for category in (*DAY_FEES, "guest")),
]
#: Who has paid already, and how: 山田 in cash at the desk, 佐藤 and グエン by bank transfer; Maria
#: chose the reduced fee and has not paid yet, nor has 김민지.
PAYMENTS: dict[int, ledger.PaymentMethod] = {1: "cash", 2: "transfer", 5: "transfer"}
REDUCED_FEE = {3}

#: The member roster as the secretariat keeps it: 山田 by her address, 佐藤's centre by its domain;
#: João (a subscriber) is not on it, so he is "membership to confirm" at the desk.
ROSTER_CSV = (
    "会員番号,氏名,種別,口数,団体名,メールアドレス,有効期限\r\n"
    "0001,山田 花子,個人会員,1,,demo1@example.org,2099-03-31\r\n"
    "0102,みなと外国人支援センター,団体会員,3,みなと外国人支援センター,demo2@example.org @minato.example,2099-03-31\r\n"
)

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
                    "venue": "Civic Activity Center",
                },
                "ko": {
                    "title": f"이주민과 연대하는 전국 워크숍 {first_day.year}",
                    "description": "일본 각지의 이주민 지원 단체가 모이는 이틀간의 워크숍입니다.",
                    "venue": "시민활동센터",
                },
                "tl": {
                    "title": f"Pambansang Workshop para sa Pakikiisa sa mga Migrante {first_day.year}",
                    "description": (
                        "Dalawang-araw na pambansang workshop ng mga grupong tumutulong sa mga migrante sa Japan."
                    ),
                    "venue": "Sentro ng mga Gawaing Sibiko",
                },
            },
            "starts_on": first_day,
            "ends_on": second_day,
            "timezone": TIMEZONE,
            "venue": "市民活動センター",
            "city": "名古屋 / Nagoya",
            "categories": CATEGORIES,
            "prices": PRICES,
            # Half the fee is kept from a week before the first day.
            "cancellation_policy": {"from_date": (first_day - timedelta(days=7)).isoformat(), "percent": 50},
            "sessions": [
                {
                    "code": "day1",
                    "title": "1日目 全体会・分科会",
                    "translations": {
                        "en": {"title": "Day 1: plenary and workshops", "location": MAIN_HALL["en"]},
                        "ko": {"title": "1일차: 전체회의·분과회", "location": MAIN_HALL["ko"]},
                        "tl": {"title": "Unang araw: plenaryo at mga workshop", "location": MAIN_HALL["tl"]},
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
                        "en": {"title": "Evening lecture", "location": MAIN_HALL["en"]},
                        "ko": {"title": "기념 강연", "location": MAIN_HALL["ko"]},
                        "tl": {"title": "Panggabing lektyur", "location": MAIN_HALL["tl"]},
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
                        "en": {"title": "Reception", "location": RESTAURANT["en"]},
                        "ko": {"title": "교류회", "location": RESTAURANT["ko"]},
                        "tl": {"title": "Salu-salo", "location": RESTAURANT["tl"]},
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
                        "en": {"title": "Day 2: workshops and closing", "location": MEETING_ROOMS["en"]},
                        "ko": {"title": "2일차: 분과회·정리", "location": MEETING_ROOMS["ko"]},
                        "tl": {"title": "Ikalawang araw: mga workshop at pagtatapos", "location": MEETING_ROOMS["tl"]},
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
        if not await Member.exists():  # a real roster is never replaced by the demo's
            await roster.replace(roster.check(roster.read("roster.csv", ROSTER_CSV.encode())))
        event = await create_event(workshop(first_day))
        for question in QUESTIONS:
            await add_question(event, QuestionInput.model_validate(question))
        for number, (name, reading, organization, category, sessions) in enumerate(SAMPLE_PEOPLE, start=1):
            # Staff are registered by the organizers: the public form does not offer their category.
            form = WalkInInput if category == "staff" else RegistrationInput
            data = form(
                name=name,
                name_reading=reading,
                email=f"demo{number}@example.org",
                organization=organization,
                category=category,
                language=LANGUAGES_OF_SAMPLE.get(number, Language.JA),
                sessions=sessions,
                reduced_fee=number in REDUCED_FEE,
            )
            try:
                registered = await register(event, data)
            except AlreadyRegistered:
                continue
            person = registered.registration
            if number in PAYMENTS and person.amount_due > 0:
                await ledger.record(person, person.amount_due, PAYMENTS[number])
    password = new_password()
    await save_staff(ORGANIZER_EMAIL, Role.ORGANIZER, password=password, name="Demo organizer")
    return event, password

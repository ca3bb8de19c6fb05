"""Which messages participants read, and so must exist in every language.

The staff area is in Japanese and English only (issue 7); the public pages, the manage page,
e-mails, badges and the errors a participant can meet are in all four languages. A message is
*staff-only* when every place it is used is in the staff area; everything else is *public*.
Tests use this to require Korean and Tagalog for public messages; translators use
`python -m events.locale.scope` to list them.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]

#: Files (or folders, ending in "/") whose messages only staff read.
STAFF_ONLY = (
    "templates/staff/",
    "events/api/checkins.py",
    "events/api/payments.py",
    "events/api/tokens.py",
    "events/checkin/",
    "events/cli.py",
    "events/members/",
    "events/money/figures.py",
    "events/money/ledger.py",
    "events/money/statements.py",
    "events/program/definition.py",
    "events/program/schemas.py",
    "events/registrations/admin.py",
    "events/registrations/importing.py",
    "events/registrations/listing.py",
    "events/registrations/sheets.py",
    "events/reports/",
    "events/staff/",
    "events/web/accounts.py",
    "events/web/cash.py",
    "events/web/desk.py",
    "events/web/person.py",
    "events/web/fees.py",
    "events/http/certificates.py",
    "events/web/members.py",
    "events/web/door.py",
    "events/http/badges.py",
    "events/http/downloads.py",
    "events/http/scans.py",
    "events/web/importing.py",
    "events/web/mail.py",
    "events/web/questions.py",
    "events/web/registrations.py",
    "events/web/reports.py",
    "events/web/setup.py",
    "events/web/staff.py",
    "events/web/transfers.py",
    "events/web/uploads.py",
)

EXTRACT = ["-F", "babel.cfg", "-k", "_", "-k", "gettext", "-k", "ngettext:1,2", "--sort-output"]


def _staff_only(path: str) -> bool:
    return any(path.startswith(prefix) if prefix.endswith("/") else path == prefix for prefix in STAFF_ONLY)


def public_message_ids() -> set[str]:
    """The singular ids of messages used in at least one public place (extracted from the code)."""
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "messages.pot"
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "extract", *EXTRACT, "-o", str(template), "."],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        with template.open("rb") as handle:
            catalogue = read_po(handle)
    public: set[str] = set()
    for message in catalogue:
        if message.id and not all(_staff_only(path) for path, _line in message.locations):
            public.add(message.id if isinstance(message.id, str) else message.id[0])
    return public


if __name__ == "__main__":
    for message_id in sorted(public_message_ids()):
        print(repr(message_id))

"""A file uploaded for a preview, or sent back with the confirmation: the pages that import a file
(the member roster, a bank statement) show what it would do first, and carry the same file in
the confirming form, so nothing personal waits on the server between the two."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.requests import Request

from events.errors import InvalidInput
from events.i18n import gettext as _
from events.text import scrubbed
from events.web import csrf


@dataclass(frozen=True)
class Upload:
    filename: str
    #: Up to one byte more than the limit, so a caller can tell a file that is too large.
    content: bytes
    #: What the form asks for: empty for a preview, the confirming button's value otherwise.
    action: str

    def encoded(self) -> str:
        """The content as the confirming form carries it."""
        return base64.b64encode(self.content).decode("ascii")


def file_name(file: UploadFile) -> str:
    """The file's name as kept (in the change log, the preview): the end of it, and readable, as the
    client may send any bytes there (a NUL, which PostgreSQL cannot hold, or a control character)."""
    return scrubbed(file.filename or "")[-200:]


async def read_upload(request: Request, *, kept: str, default_name: str, max_bytes: int) -> Upload | None:
    """The uploaded `file`, or the one sent back in the `kept` field; None when the form has neither."""
    # Base64 makes a file a third larger: the part may be up to twice the file's limit.
    async with request.form(max_files=1, max_fields=5, max_part_size=2 * max_bytes) as form:
        csrf.check(request, form)
        file, sent_back = form.get("file"), form.get(kept)
        filename = str(form.get("filename") or default_name)[-200:]
        action = str(form.get("action") or "")
        if isinstance(file, UploadFile) and file.filename:
            return Upload(file_name(file), await file.read(max_bytes + 1), action)
        if isinstance(sent_back, str) and sent_back:
            try:
                content = base64.b64decode(sent_back, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidInput({kept: _("The file sent back is damaged; upload it again.")}) from None
            return Upload(filename, content, action)
    return None

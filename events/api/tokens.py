"""API: staff exchange their e-mail and password for a token, and revoke it."""

from __future__ import annotations

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from events.errors import Unauthenticated
from events.http.common import client_address, json_response, read_json
from events.i18n import gettext as _
from events.staff import service
from events.staff.attempts import SignInAttempts
from events.staff.auth import require_token
from events.validation import Input, parse


class TokenRequest(Input):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1000)
    label: str = Field(default="", max_length=100)


async def create_token(request: Request) -> JSONResponse:
    data = parse(TokenRequest, await read_json(request))
    sign_ins: SignInAttempts = request.app.state.sign_ins
    account = await sign_ins.password(client_address(request), data.email, data.password)
    if account is None:
        raise Unauthenticated(_("Wrong e-mail address or password."))
    token = await service.issue_token(account, data.label)
    return json_response({"token": token, "role": str(account.role), "email": account.email}, 201, private=True)


async def revoke_current_token(request: Request) -> Response:
    await require_token(request)
    token = request.headers["authorization"].partition(" ")[2].strip()
    await service.revoke_token(token)
    return Response(status_code=204)

"""One route per path, whatever methods it answers, so a 405 names every allowed method; and every
path parameter checked for its shape before the route runs (`events.web.paths`)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from events.web.paths import SHAPES, check_request

Endpoint = Callable[[Request], Awaitable[Response]]
_PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")


def route(path: str, *, name: str, **handlers: Endpoint) -> Route:
    """`route("/x", name="x", get=show, post=create)`: Starlette answers other methods with 405 and `Allow`."""
    unshaped = [parameter for parameter in _PARAMETER.findall(path) if parameter not in SHAPES]
    if unshaped:
        raise ValueError(f"{path}: give {', '.join(unshaped)} a shape in events.web.paths.SHAPES")

    async def dispatch(request: Request) -> Response:
        check_request(request)
        method = "get" if request.method == "HEAD" else request.method.lower()
        return await handlers[method](request)

    dispatch.__name__ = dispatch.__qualname__ = "_".join(handler.__name__ for handler in handlers.values())
    return Route(path, dispatch, methods=[method.upper() for method in handlers], name=name)

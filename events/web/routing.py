"""One route per path, whatever methods it answers, so a 405 names every allowed method."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Endpoint = Callable[[Request], Awaitable[Response]]


def route(path: str, *, name: str, **handlers: Endpoint) -> Route:
    """`route("/x", name="x", get=show, post=create)`: Starlette answers other methods with 405 and `Allow`."""

    async def dispatch(request: Request) -> Response:
        method = "get" if request.method == "HEAD" else request.method.lower()
        return await handlers[method](request)

    dispatch.__name__ = dispatch.__qualname__ = "_".join(handler.__name__ for handler in handlers.values())
    return Route(path, dispatch, methods=[method.upper() for method in handlers], name=name)

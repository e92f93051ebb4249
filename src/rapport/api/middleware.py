"""A 405 from the API answers in the API's error format, like every other API error."""

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import sync_and_async_middleware

from .errors import plain_problem

API_PREFIX = "/api/"  # every API address starts so (the web pages' guard leaves them alone too)


def _as_problem(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    # The router answers a method it does not serve with a plain-text 405 before any API code runs.
    if (
        response.status_code != 405
        or not request.path.startswith(API_PREFIX)
        or response.get("Content-Type", "").startswith("application/problem+json")
    ):
        return response
    allowed = response.get("Allow", "")
    detail = (
        f"{request.method} is not allowed here; allowed: {allowed}."
        if allowed
        else f"{request.method} is not allowed here."
    )
    problem = plain_problem(405, "method-not-allowed", detail)
    if allowed:
        problem["Allow"] = allowed
    return problem


@sync_and_async_middleware
def method_not_allowed_middleware(get_response):
    if iscoroutinefunction(get_response):

        async def middleware(request):
            return _as_problem(request, await get_response(request))

    else:

        def middleware(request):
            return _as_problem(request, get_response(request))

    return middleware

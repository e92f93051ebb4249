"""Request-scoped context for services."""

from asgiref.sync import iscoroutinefunction
from django.utils.decorators import sync_and_async_middleware

from rapport.events.log import acting_as
from rapport.events.models import ActorKind


@sync_and_async_middleware
def actor_kind_middleware(get_response):
    """Start every request as a user action; API token auth switches it to "api" for the request.

    Async-capable, so that under ASGI the request stays on the event loop until the view.
    """
    if iscoroutinefunction(get_response):

        async def middleware(request):
            with acting_as(ActorKind.USER):
                return await get_response(request)

    else:

        def middleware(request):
            with acting_as(ActorKind.USER):
                return get_response(request)

    return middleware

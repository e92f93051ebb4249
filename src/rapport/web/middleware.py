"""Attach the signed-in user's membership of the current workspace to every request."""

from asgiref.sync import iscoroutinefunction
from django.utils.decorators import sync_and_async_middleware
from django.utils.functional import SimpleLazyObject

from rapport.api.auth import member_for_session


def _attach(request) -> None:
    def load():
        if not request.user.is_authenticated:
            return None
        return member_for_session(request)

    # Lazy: resolved (in the view's thread) only by code that reads it.
    request.member = SimpleLazyObject(load)


@sync_and_async_middleware
def current_member_middleware(get_response):
    """`request.member` is the Member acting in this request (None when signed out)."""
    if iscoroutinefunction(get_response):

        async def middleware(request):
            _attach(request)
            return await get_response(request)

    else:

        def middleware(request):
            _attach(request)
            return get_response(request)

    return middleware

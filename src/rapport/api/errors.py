"""Every API error is an RFC 9457 problem document (`application/problem+json`).

Shape: {"type", "title", "status", "detail", "errors": [{"field", "message"}]}. The `type` is a
stable URN per kind of problem, so clients can branch on it.
"""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from rapport.core.errors import ServiceError

logger = logging.getLogger(__name__)

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    422: "Invalid input",
    500: "Server error",
}


def problem(api: NinjaAPI, request: HttpRequest, status: int, code: str, detail: str, errors: list[dict] | None = None) -> HttpResponse:
    body = {
        "type": f"urn:rapport:problem:{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "errors": errors or [],
    }
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


def _field_from_loc(loc: list | tuple) -> str:
    # ninja reports ("body", "payload", "name") or ("query", "limit"); the client knows only "name".
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "header", "filters")]
    return ".".join(parts) or "body"


def _pydantic_message(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "Unknown field."
    if kind == "missing":
        return "This field is required."
    message = error.get("msg", "Invalid value.")
    return message[0].upper() + message[1:] if message else "Invalid value."


def django_errors(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": "body" if field == "__all__" else field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": "body", "message": message} for message in exc.messages]


def install(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def on_schema_error(request, exc):
        errors = [{"field": _field_from_loc(e.get("loc", ())), "message": _pydantic_message(e)} for e in exc.errors]
        return problem(api, request, 422, "validation", "The request has invalid fields.", errors)

    @api.exception_handler(DjangoValidationError)
    def on_validation_error(request, exc):
        return problem(api, request, 422, "validation", "The request has invalid fields.", django_errors(exc))

    @api.exception_handler(ServiceError)
    def on_service_error(request, exc):
        return problem(api, request, exc.status, exc.code, exc.detail)

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return problem(api, request, 404, "not-found", str(exc) or "Not found.")

    @api.exception_handler(AuthenticationError)
    def on_auth_error(request, exc):
        response = problem(api, request, 401, "not-authenticated", "Send a valid API token as 'Authorization: Bearer <token>'.")
        response["WWW-Authenticate"] = 'Bearer realm="rapport"'
        return response

    @api.exception_handler(HttpError)
    def on_http_error(request, exc):
        return problem(api, request, exc.status_code, "http", str(exc))

    @api.exception_handler(Exception)
    def on_unexpected(request, exc):
        logger.exception("unexpected API error")
        return problem(api, request, 500, "server", "Something went wrong on our side; the change was not saved.")

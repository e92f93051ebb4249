"""Every API error is an RFC 9457 problem document (`application/problem+json`).

Shape: {"type", "title", "status", "detail", "errors": [{"field", "message"}]}. The `type` is a
stable URN per kind of problem, so clients can branch on it.
"""

import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
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
    413: "Content too large",
    422: "Invalid input",
    500: "Server error",
}


HTTP_CODES = {400: "bad-request", 404: "not-found", 405: "method-not-allowed"}


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


def plain_problem(status: int, code: str, detail: str) -> HttpResponse:
    """A problem document for answers made outside an API operation (no NinjaAPI to render it)."""
    body = {"type": f"urn:rapport:problem:{code}", "title": TITLES.get(status, "Error"), "status": status, "detail": detail, "errors": []}
    return HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")


@csrf_exempt
def unknown_endpoint(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The answer for an /api/ path that no endpoint matches (e.g. /api/v1/deals/abc)."""
    return plain_problem(404, "not-found", "No API endpoint at this address; see /api/v1/docs.")


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
    # Our own validators' messages are already sentences; pydantic prefixes them.
    message = message.removeprefix("Value error, ")
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

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request, exc):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return problem(api, request, 413, "too-large", f"The request body is larger than {limit} bytes.")

    @api.exception_handler(HttpError)
    def on_http_error(request, exc):
        detail = str(exc)
        if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
            detail = "The request body is not valid JSON."
        return problem(api, request, exc.status_code, HTTP_CODES.get(exc.status_code, "http"), detail)

    @api.exception_handler(DataError)
    def on_data_error(request, exc):
        # Input is validated before it reaches the database; a value the database still refuses
        # (out of its range) is the client's to fix, and the check that missed it ours.
        logger.warning("the database refused a value", exc_info=exc)
        return problem(api, request, 422, "validation", "A value is outside what can be stored.")

    @api.exception_handler(Exception)
    def on_unexpected(request, exc):
        logger.exception("unexpected API error")
        return problem(api, request, 500, "server", "Something went wrong on our side; the change was not saved.")
    document(api)


# --- OpenAPI ------------------------------------------------------------------------------------

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "required": ["type", "title", "status", "detail", "errors"],
    "properties": {
        "type": {"type": "string", "description": "urn:rapport:problem:<code>, stable per kind of problem."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

# What each answer means, and which operations can give it.
PROBLEM_ANSWERS = {
    400: "Malformed request: a body that is not JSON, or an If-Match that is not a version.",
    401: "No valid API token or session.",
    403: "The member may see the record but not do this.",
    404: "No such record, or the member may not see it.",
    409: "Not possible in the record's current state.",
    412: "If-Match names an older version than the stored one.",
    413: "The request body is too large.",
    422: "Invalid input; `errors` names each field.",
}
READ_ANSWERS = (401, 404, 422)
WRITE_ANSWERS = (400, 401, 403, 404, 409, 412, 413, 422)


def problem_responses(method: str) -> dict[str, Any]:
    """The problem answers an operation declares: reads can be refused, writes also conflict."""
    codes = READ_ANSWERS if method == "get" else WRITE_ANSWERS
    return {
        str(code): {
            "description": PROBLEM_ANSWERS[code],
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code in codes
    }


def document(api: NinjaAPI) -> None:
    """Declare the problem answers in the OpenAPI document, so clients and checkers know them."""
    build = api.get_openapi_schema

    def get_openapi_schema(**kwargs: Any):
        schema = build(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                for code, answer in problem_responses(method).items():
                    operation.setdefault("responses", {}).setdefault(code, answer)
        return schema

    # ninja builds the document in this one method; wrapping the instance's keeps urls.py plain.
    api.get_openapi_schema = get_openapi_schema  # type: ignore[method-assign]

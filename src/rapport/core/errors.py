"""Errors that services raise; the API and the web layer turn them into 4xx answers."""

from django.core.exceptions import ValidationError


class ServiceError(Exception):
    """Base for expected, user-facing failures of a service call."""

    status = 400
    code = "error"

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class NotFound(ServiceError):
    """The object does not exist, or the actor may not see it: both answer the same."""

    status = 404
    code = "not-found"


class PermissionDenied(ServiceError):
    """The actor may see the object but not do this to it."""

    status = 403
    code = "permission-denied"


class StaleVersion(ServiceError):
    """The caller edited an older version of the record than the one stored."""

    status = 412
    code = "stale-version"


class Conflict(ServiceError):
    """The change is not possible in the record's current state (e.g. moving a won deal)."""

    status = 409
    code = "conflict"


__all__ = ["Conflict", "NotFound", "PermissionDenied", "ServiceError", "StaleVersion", "ValidationError"]

"""One error body for every 4xx the API returns.

    {"error": {"status": 400, "code": "invalid",
               "message": "rating: Ensure this value is less than or equal to 4.",
               "fields": {"rating": ["Ensure this value is less than or equal to 4."]}}}

``message`` always names the field when one is at fault, so a client can show
it as it is; ``fields`` maps every offending field to its messages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from studysite import errors


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            if key == "non_field_errors" and not prefix:
                name = "non_field_errors"
            out.update(_flatten(value, name))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or "detail": [str(item) for item in detail]}
        out = {}
        for index, item in enumerate(detail):
            out.update(_flatten(item, f"{prefix}[{index}]" if prefix else str(index)))
        return out
    return {prefix or "detail": [str(detail)]}


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    while isinstance(codes, dict | list) and codes:
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return codes if isinstance(codes, str) else exc.default_code


def error_body(status_code: int, code: str, fields: dict[str, list[str]]) -> dict:
    if set(fields) <= {"detail"}:
        message = " ".join(fields.get("detail", [])) or "Request failed."
        fields = {}
    else:
        message = "; ".join(
            f"{name}: {' '.join(msgs)}" for name, msgs in fields.items()
        )
    return {
        "error": {
            "status": status_code,
            "code": code,
            "message": message,
            "fields": fields,
        }
    }


_DOMAIN_STATUS: dict[type[errors.DomainError], int] = {
    errors.Invalid: status.HTTP_400_BAD_REQUEST,
    errors.NotFound: status.HTTP_404_NOT_FOUND,
    errors.Forbidden: status.HTTP_403_FORBIDDEN,
    errors.Conflict: status.HTTP_409_CONFLICT,
    errors.TooMany: status.HTTP_429_TOO_MANY_REQUESTS,
    errors.Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def status_of(error: errors.DomainError) -> int:
    """The HTTP status a domain error is answered with."""
    for kind, code in _DOMAIN_STATUS.items():
        if isinstance(error, kind):
            return code
    return status.HTTP_400_BAD_REQUEST


def domain_error_body(error: errors.DomainError) -> dict:
    fields = error.fields if isinstance(error, errors.Invalid) else {}
    if not fields:
        return error_body(status_of(error), error.code, {"detail": [error.message]})
    return error_body(status_of(error), error.code, fields)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, errors.DomainError):
        return Response(domain_error_body(exc), status=status_of(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    fields = _flatten(exc.detail)
    response.data = error_body(response.status_code, _code(exc), fields)
    return response


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField())
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx (and 503) the API returns; documented on each operation."""

    error = ErrorDetailSerializer()


# Django's own error pages, for requests that never reach a DRF view (a path
# under /api/ that matches no route, a crash in middleware): JSON with the same
# body under /api/, the usual HTML page elsewhere.
def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json_error(status_code: int, code: str, message: str) -> JsonResponse:
    body = error_body(status_code, code, {"detail": [message]})
    return JsonResponse(body, status=status_code)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _json_error(400, "bad_request", "Bad request.")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _json_error(403, "permission_denied", "Not allowed.")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _json_error(404, "not_found", "Not found.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _json_error(500, "error", "Server error.")
    return defaults.server_error(request)


def error_response(description: str) -> Any:
    """An ``@extend_schema(responses=...)`` entry for a status with the error
    body, for the statuses the schema does not add by itself (409, 503)."""
    from drf_spectacular.utils import OpenApiResponse

    return OpenApiResponse(ErrorSerializer, description=description)

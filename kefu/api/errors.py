"""One JSON error shape for every failure: ``{"code", "message", "details"}``."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kefu.core.errors import ApplicationError

log = logging.getLogger("kefu.api")


def error_body(code: str, message: str, details=None) -> dict:
    return {"code": code, "message": message, "details": details if details is not None else {}}


def _validation_details(errors) -> list[dict]:
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload")]
        out.append({"field": ".".join(loc), "message": err.get("msg", ""), "type": err.get("type", "")})
    return out


def install(api) -> None:
    @api.exception_handler(ApplicationError)
    def application_error(request, exc: ApplicationError):
        return api.create_response(request, error_body(exc.code, exc.message, exc.details),
                                   status=exc.status)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        return api.create_response(
            request,
            error_body("invalid_input", _("The request is not valid."), _validation_details(exc.errors)),
            status=422)

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        response = api.create_response(
            request, error_body("unauthorized", _("A valid API token is required.")), status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if isinstance(exc.__cause__, RequestDataTooBig):
            return api.create_response(
                request, error_body("payload_too_large", _("The request body is too large.")),
                status=413)
        if exc.status_code == 400:
            return api.create_response(
                request, error_body("malformed_request", _("The request body is not valid JSON.")),
                status=400)
        return api.create_response(request, error_body("http_error", str(exc)),
                                   status=exc.status_code)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return api.create_response(
            request, error_body("payload_too_large", _("The request body is too large.")), status=413)

    @api.exception_handler(Exception)
    def unexpected(request, exc):
        log.exception("unhandled API error")
        return api.create_response(
            request, error_body("server_error", _("Something went wrong on our side.")), status=500)

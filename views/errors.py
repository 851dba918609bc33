"""Error pages: roll back the session and return HTML or JSON, as the client accepts."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from app.errors import DomainError
from app.extensions import db

logger = logging.getLogger(__name__)


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def error_response(status: int, message: str):
    if wants_json():
        return jsonify({"message": message, "status": status}), status
    return render_template("errors/error.html", status=status, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(exc: DomainError):
        db.session.rollback()
        return error_response(exc.status_code, exc.message)

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        if exc.code and exc.code < 400:
            return exc
        db.session.rollback()
        messages = {
            403: _("You do not have permission to open this page."),
            404: _("The page or object was not found."),
            413: _("The upload is too large."),
            429: _("Too many requests. Please wait a moment and try again."),
        }
        message = messages.get(exc.code, exc.description or _("The request failed."))
        return error_response(exc.code or 500, message)

    @app.errorhandler(OverflowError)
    def handle_overflow(exc: OverflowError):
        # SQLite raises this for an integer beyond 64 bits in a query parameter or form.
        db.session.rollback()
        return error_response(400, _("A number in the request is out of range."))

    @app.errorhandler(DataError)
    def handle_data_error(exc: DataError):
        # PostgreSQL rejects values that do not fit the column, e.g. an id beyond 32 bits.
        db.session.rollback()
        logger.warning("rejected out-of-range value on %s %s: %s", request.method, request.path, exc.orig)
        return error_response(400, _("A number in the request is out of range."))

    @app.errorhandler(CSRFError)
    def handle_csrf_error(exc: CSRFError):
        db.session.rollback()
        return error_response(400, _("The form has expired. Please reload the page and try again."))

    @app.errorhandler(Exception)
    def handle_unexpected_error(exc: Exception):
        db.session.rollback()
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, _("An internal error occurred. Please try again later."))

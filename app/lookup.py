"""Normalising of typed, scanned or pasted code input, and code look-up.

Every place that accepts a trace code (scan page, scan-gun screens, APIs) goes through
``normalize_code_input`` and ``find_trace_code``, so they all accept the same forms.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

from sqlalchemy import bindparam, select

from app.extensions import db
from app.models import TraceCode

MAX_CODE_LENGTH = 32
_URL_PATTERN = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_CODE_CHARACTERS = re.compile(r"^[0-9A-Za-z]+$")


def normalize_code_input(raw: str | None) -> str:
    """Turn typed or scanned input into the code text, case unchanged.

    Folds full-width characters to ASCII (ＡＢ１２ → AB12, as Chinese input methods type
    them), trims whitespace, and takes the code out of a pasted label URL such as
    ``https://host/t/AB12?from=wx``. Returns "" when nothing code-like remains.
    """
    text = unicodedata.normalize("NFKC", raw or "").strip()
    text = text.replace("\u3000", "").strip()
    if _URL_PATTERN.match(text) or text.startswith("/t/"):
        path = urlsplit(text).path if _URL_PATTERN.match(text) else text.split("?")[0]
        text = unquote(path.rstrip("/").rsplit("/", 1)[-1])
    text = re.sub(r"\s+", "", text)
    if not text or len(text) > MAX_CODE_LENGTH or not _CODE_CHARACTERS.match(text):
        return ""
    return text


def find_trace_code(raw: str | None, *, for_update: bool = False, options: Sequence = ()) -> TraceCode | None:
    """Return the trace code that ``raw`` denotes, or None.

    Case-sensitive codes match exactly. Case-insensitive codes are stored upper-case, so
    the upper-cased input is tried when the exact text does not match. ``options`` are
    loader options (e.g. ``joinedload``) for reading related rows in the same query.
    """
    text = normalize_code_input(raw)
    if not text:
        return None
    code = _select_code(text, for_update, options)
    if code is None and text != text.upper():
        code = _select_code(text.upper(), for_update, options)
        if code is not None and code.case_sensitive:
            return None
    return code


def _select_code(text: str, for_update: bool, options: Sequence) -> TraceCode | None:
    return db.session.scalar(_code_statement(for_update, tuple(options)), {"code_text": text})


@functools.lru_cache(maxsize=32)
def _code_statement(for_update: bool, options: tuple):
    """The look-up statement with a bound ``code_text``, built once per set of options (the
    options are compared by identity, so callers pass a module-level tuple)."""
    query = select(TraceCode).where(TraceCode.code == bindparam("code_text")).options(*options)
    if for_update:
        query = query.with_for_update()
    return query

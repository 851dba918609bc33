"""Trace code alphabets, the code-space bound and the secure random code source.

A code is ``length`` characters drawn uniformly from an alphabet chosen by the
request's character rule and case setting. Case-insensitive codes use upper-case
letters only, because lookups upper-case the input of such codes.
"""

from __future__ import annotations

import os
import string

from app.models.codes import Charset

MIN_CODE_LENGTH = 6
MAX_CODE_LENGTH = 32  # the width of trace_code.code

# After issue, a random guess may hit a valid code of the same alphabet and length with
# at most this probability: (existing + requested) / alphabet_size ** length < 1e-6.
# Kept as the integer 10**6 so the check is exact for any length.
GUESS_ODDS = 10**6


def alphabet_for(charset: Charset | str, case_sensitive: bool) -> str:
    """Return the characters a code of this rule is drawn from."""
    charset = Charset(charset)
    if charset == Charset.DIGITS:
        return string.digits
    letters = string.ascii_letters if case_sensitive else string.ascii_uppercase
    if charset == Charset.LETTERS:
        return letters
    return string.digits + letters


def code_space(charset: Charset | str, case_sensitive: bool, length: int) -> int:
    """Return the number of distinct codes of this rule and length."""
    return len(alphabet_for(charset, case_sensitive)) ** length


def space_is_large_enough(issued: int, charset: Charset | str, case_sensitive: bool, length: int) -> bool:
    """True when ``issued`` codes fill less than one millionth of the code space."""
    return issued * GUESS_ODDS < code_space(charset, case_sensitive, length)


def smallest_accepted_length(issued: int, charset: Charset | str, case_sensitive: bool) -> int | None:
    """Return the shortest length whose space is large enough for ``issued`` codes, or
    None when even the maximum length is too short."""
    for length in range(MIN_CODE_LENGTH, MAX_CODE_LENGTH + 1):
        if space_is_large_enough(issued, charset, case_sensitive, length):
            return length
    return None


class CodeSource:
    """Draw codes from ``os.urandom``, uniformly over the alphabet.

    Random bytes at or above the largest multiple of the alphabet size are dropped
    (rejection sampling), so ``byte % size`` has no bias. ``bytes.translate`` does the
    mapping and the dropping in C, which keeps a million codes well under a second.
    """

    def __init__(self, alphabet: str, length: int):
        if not 1 < len(alphabet) <= 256:
            raise ValueError(f"alphabet size must be 2..256, got {len(alphabet)}")
        self.alphabet = alphabet
        self.length = length
        size = len(alphabet)
        self._limit = 256 - 256 % size
        self._table = bytes(ord(alphabet[value % size]) if value < self._limit else 0 for value in range(256))
        self._rejected = bytes(range(self._limit, 256))

    def characters(self, count: int) -> bytes:
        """Return ``count`` random alphabet characters as ASCII bytes."""
        parts = []
        missing = count
        while missing > 0:
            # Ask for a little more than needed so one round usually suffices.
            raw = os.urandom(missing * 256 // self._limit + 16)
            chunk = raw.translate(self._table, self._rejected)[:missing]
            parts.append(chunk)
            missing -= len(chunk)
        return b"".join(parts)

    def codes(self, count: int) -> list[str]:
        """Return ``count`` random codes (duplicates are possible, as with any draw)."""
        text = self.characters(count * self.length).decode("ascii")
        step = self.length
        return [text[start : start + step] for start in range(0, len(text), step)]

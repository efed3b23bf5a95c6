"""Text columns that keep any Python ``str``, identically on SQLite and PostgreSQL.

Sources hand over whatever their vendor sent: a NUL in an incident title, lone
surrogates from a post-mortem blob decoded with ``errors="surrogateescape"``.
PostgreSQL refuses NUL in ``text`` and neither database's driver encodes a lone
surrogate as UTF-8, so one such character used to fail the sync of its whole source.

The escape: each NUL, each surrogate code point (U+D800-U+DFFF) and the escape
character itself is written as :data:`ESC` followed by its code point in four upper-case
hex digits (NUL is ``ESC + "0000"``, :data:`ESC` is ``ESC + "FDD0"``). Every other
character is stored as it is, so ordinary text reads the same in the database, and the
escape commutes with concatenation: a prefix escaped is a prefix of the value escaped,
so ``LIKE 'prefix%'`` and equality keep working on escaped columns.

:data:`ESC` is U+FDD0, a Unicode noncharacter ("reserved for a process's internal
use"): text from a vendor practically never holds it. It could, though, and stores
written before this escape keep their text raw (on SQLite NULs too); migration 0005
escapes the ones stored, so that no stored value reads back as something else.
"""

from __future__ import annotations

import re

from sqlalchemy.engine import Dialect
from sqlalchemy.types import String, Text, TypeDecorator

ESC = "\ufdd0"
_SPECIAL = re.compile("[\x00\ud800-\udfff\ufdd0]")
_ESCAPED = re.compile("\ufdd0([0-9A-F]{4})")


def escape_text(value: str) -> str:
    """``value`` with NUL, surrogates and :data:`ESC` escaped (see the module)."""
    if value.isascii():
        # the common case, and the one fast path: ASCII holds no surrogate and no ESC
        if "\x00" not in value:
            return value
    elif _SPECIAL.search(value) is None:
        return value
    return _SPECIAL.sub(lambda m: f"{ESC}{ord(m.group()):04X}", value)


def unescape_text(value: str) -> str:
    """The inverse of :func:`escape_text`."""
    if ESC not in value:
        return value
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value)


class _Escaped(TypeDecorator[str]):
    """A string type whose values are escaped on the way in and back on the way out."""

    impl: type[String] = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else escape_text(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else unescape_text(value)


class SafeText(_Escaped):
    """``TEXT`` that round-trips any ``str`` (escaped by :func:`escape_text`)."""

    cache_ok = True  # SQLAlchemy reads it from each class itself


class SafeString(_Escaped):
    """``VARCHAR(n)`` that round-trips any ``str``; ``n`` bounds the escaped text."""

    impl = String
    cache_ok = True

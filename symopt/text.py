"""User-supplied text made safe to show: on a terminal, in a log line, a CSV cell or HTML.

A scenario comes from other firms' files, so an id may hold an escape sequence (which
would recolour or clear the planner's terminal), a newline or carriage return (which
would forge extra `file:line:` lines in a log) or a bidirectional override (which would
show text in another order than it is stored). `printable` shows every such character
escaped, as Python writes it (`\\x1b`, `\\n`, `\\u202e`), and leaves all other text,
Swedish and Danish letters included, as it is. HTML escaping comes on top of this, from
the template engine.
"""

from __future__ import annotations

import unicodedata

#: Unicode categories shown escaped: control, format (bidi marks, zero-width joiners),
#: surrogates, private use, unassigned, and the line and paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _escape(character: str) -> str:
    code = ord(character)
    if code <= 0xFF:
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(character, f"\\x{code:02x}")
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: object) -> str:
    """`text` as a string with every control, format or invisible character escaped."""
    value = str(text)
    if value.isprintable():  # the common case, and fast
        return value
    return "".join(
        _escape(character)
        if character != " " and unicodedata.category(character) in _HIDDEN_CATEGORIES
        else character
        for character in value
    )

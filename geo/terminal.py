"""Text safe to print to a terminal: no control, escape or bidi-override characters.

Report text, document ids and file names come from outside; printed raw, an escape
sequence in one could move the cursor, rewrite earlier lines or retitle the window, and a
bidi override could show a line in another order than it is. :func:`printable` shows each
such character as a visible escape (``\\x1b``, ``\\u202e``) instead.
"""

from __future__ import annotations

import logging

#: Bidi embeddings, overrides, isolates and marks (the "Trojan Source" characters).
BIDI_CONTROLS = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_CONTROLS = frozenset([*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]) | BIDI_CONTROLS
#: Lone surrogates: a file name's undecodable bytes (0xDC80-0xDCFF stand for bytes 0x80-0xFF).
_SURROGATES = range(0xD800, 0xE000)


def _escape(code: int) -> str:
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_TABLE = {code: _escape(code) for code in (*_CONTROLS, *_SURROGATES)}
_TABLE_LINES = {code: text for code, text in _TABLE.items() if code != 0x0A}


def printable(text: object, lines: bool = False) -> str:
    """``text`` with every control, escape and bidi-control character (and lone surrogate,
    an undecodable byte of a file name) shown as a visible escape; ``lines=True`` keeps
    newlines (for a multi-line table)."""
    return str(text).translate(_TABLE_LINES if lines else _TABLE)


def json_printable(text: str) -> str:
    """JSON text with the C1 controls and bidi controls that ``ensure_ascii=False`` leaves
    raw written as ``\\uXXXX`` escapes: the same JSON value, safe on a terminal."""
    return text.translate({code: f"\\u{code:04x}" for code in _CONTROLS if code >= 0x7F})


class PrintableFormatter(logging.Formatter):
    """A log formatter whose every line is :func:`printable` (one record, one line)."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))

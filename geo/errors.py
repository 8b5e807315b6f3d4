"""The project's exceptions: one root, subclasses that also inherit the matching builtin.

The CLI catches :class:`GeoError` only, prints its message on one line and exits non-zero.
Messages say what went wrong and what to do about it.
"""

from __future__ import annotations


class GeoError(Exception):
    """Root of every error this package raises on purpose."""

    exit_code: int = 1


class GeoValueError(GeoError, ValueError):
    """A value is out of range or malformed (a coordinate, a date, an option)."""

    exit_code = 2


class InputError(GeoError, OSError):
    """An input path is missing, unreadable or not a report we can read."""

    exit_code = 3


class ArticleError(GeoError, ValueError):
    """One article cannot be used (empty, binary, bad front matter); others go on."""

    exit_code = 3


class GazetteerError(GeoError, ValueError):
    """The gazetteer file is invalid; the message names file, line and field."""

    exit_code = 4


class UnknownPlaceError(GeoError, LookupError):
    """A place name (e.g. ``--reference``) is not in the gazetteer."""

    exit_code = 4


class OutputError(GeoError, OSError):
    """An output file or folder cannot be written."""

    exit_code = 5

"""geo: turn news reports about a war into a checked map of where the forces are.

The public API is flat, over ``_``-private stage modules::

    import geo

    result = geo.extract("reports/", published="2008-08-19")
    result.events, result.places, result.checks, result.summary
    result.explore()            # folium.Map
    result.to_files("output")   # the files of ``geo map``

:func:`extract` and :class:`Result` live in :mod:`geo.api`; :class:`Gazetteer` in
:mod:`geo.gazetteer`, loaded only when first used.
"""

from typing import Any

from geo.api import Result, extract
from geo.errors import (
    ArticleError,
    GazetteerError,
    GeoError,
    GeoValueError,
    InputError,
    OutputError,
    UnknownPlaceError,
)
from geo.settings import Settings, Tolerance

__version__ = "0.2.0"

__all__ = [
    "ArticleError",
    "Gazetteer",
    "GazetteerError",
    "GeoError",
    "GeoValueError",
    "InputError",
    "OutputError",
    "Result",
    "Settings",
    "Tolerance",
    "UnknownPlaceError",
    "__version__",
    "extract",
]


def __getattr__(name: str) -> Any:
    """``geo.Gazetteer`` loads the gazetteer package on first use (keeps ``import geo`` light)."""
    if name == "Gazetteer":
        from geo.gazetteer import Gazetteer

        return Gazetteer
    raise AttributeError(f"module 'geo' has no attribute {name!r}")

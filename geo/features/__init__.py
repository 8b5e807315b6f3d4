"""Features: events, mentions and estimates as GeoDataFrames; events merged across reports."""

from geo.features._corrections import Corrections, correct_mentions, read_corrections
from geo.features._features import (
    ESTIMATE_COLUMNS,
    EVENT_COLUMNS,
    SOURCE_KEYS,
    estimates_to_frame,
    events_to_frame,
    mentions_to_frame,
    place_rows,
)
from geo.features._place_tally import PlaceTally, as_tallies, precise_points, tally_mentions

__all__ = [
    "ESTIMATE_COLUMNS",
    "EVENT_COLUMNS",
    "SOURCE_KEYS",
    "Corrections",
    "PlaceTally",
    "as_tallies",
    "correct_mentions",
    "estimates_to_frame",
    "events_to_frame",
    "mentions_to_frame",
    "place_rows",
    "precise_points",
    "read_corrections",
    "tally_mentions",
]

"""Distance claims: found in the text, checked against geodesy, compared across sources."""

from geo.claims._conflicts import Checks, check_claims, find_conflicts
from geo.claims._estimates import estimate_location
from geo.claims._extract import extract_claims
from geo.claims._quantities import parse_quantity
from geo.claims._table import CHECK_COLUMNS, check_rows
from geo.claims._verdicts import check_claim

__all__ = [
    "CHECK_COLUMNS",
    "Checks",
    "check_claim",
    "check_claims",
    "check_rows",
    "estimate_location",
    "extract_claims",
    "find_conflicts",
    "parse_quantity",
]

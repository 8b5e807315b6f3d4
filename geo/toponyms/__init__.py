"""Toponyms: find every place a report names and pick the place it means."""

from geo.toponyms._fallback import OnlineFallback
from geo.toponyms._toponyms import Toponymizer, focus_country, format_mentions

__all__ = ["OnlineFallback", "Toponymizer", "focus_country", "format_mentions"]

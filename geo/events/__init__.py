"""Events: who did what, where and when, from the clauses of a report."""

from geo.events._events import extract_events
from geo.events._rules import MOTION_KINDS

__all__ = ["MOTION_KINDS", "extract_events"]

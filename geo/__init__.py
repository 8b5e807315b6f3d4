"""geo: turn news reports about a war into a checked map of where the forces are."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]

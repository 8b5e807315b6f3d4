"""Writing outputs: GeoJSON, tables, the checks table and the output set as one unit."""

from geo.io._checktable import format_checks
from geo.io._export import atomic_write_text, write_outputs
from geo.io._output_set import STAGING_PREFIX, OutputSet, ensure_writable, verify

__all__ = [
    "STAGING_PREFIX",
    "OutputSet",
    "atomic_write_text",
    "ensure_writable",
    "format_checks",
    "verify",
    "write_outputs",
]

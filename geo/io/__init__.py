"""Writing outputs: GeoJSON, tables, the checks table and the output set as one unit."""

from geo.io._checktable import format_checks
from geo.io._export import atomic_write_text, write_outputs
from geo.io._output_set import OutputSet, ensure_writable, verify

__all__ = [
    "OutputSet",
    "atomic_write_text",
    "ensure_writable",
    "format_checks",
    "verify",
    "write_outputs",
]

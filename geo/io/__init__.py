"""Writing outputs: GeoJSON, tables, the checks table and the output set as one unit."""

from geo.io._checktable import format_checks
from geo.io._export import atomic_write_text, write_outputs
from geo.io._output_set import STAGING_PREFIX, OutputSet, ensure_writable, verify
from geo.io._provenance import gazetteer_records, input_records, settings_record

__all__ = [
    "STAGING_PREFIX",
    "OutputSet",
    "atomic_write_text",
    "ensure_writable",
    "format_checks",
    "gazetteer_records",
    "input_records",
    "settings_record",
    "verify",
    "write_outputs",
]

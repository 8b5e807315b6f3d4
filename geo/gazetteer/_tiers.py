"""Several tables of rows read as one: the imported gazetteers first, the world last.

Row ``i`` of the whole is row ``i - start`` of the tier it falls in. A row of a later tier
whose GeoNames id an earlier tier holds is *shadowed* (an imported extract stands for the
world's copy of the same place: it is newer and carries more names); the gazetteer hides
shadowed rows as it hides world rows a curated row stands for.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence

from geo.gazetteer._world_rows import WorldRows


class RowTiers:
    """The read interface :class:`~geo.gazetteer._gazetteer.Gazetteer` uses, over tiers."""

    def __init__(self, tiers: Sequence[WorldRows]) -> None:
        if not tiers:
            raise ValueError("RowTiers needs at least one table")
        self.tiers: tuple[WorldRows, ...] = tuple(tiers)
        self.starts: tuple[int, ...] = tuple(
            sum(len(t) for t in self.tiers[:n]) for n in range(len(self.tiers))
        )
        self._length = self.starts[-1] + len(self.tiers[-1])
        last, last_start = self.tiers[-1], self.starts[-1]
        #: Capitals and demonyms come from the last tier (the world's).
        self.capitals = {code: last_start + i for code, i in last.capitals.items()}
        self.demonyms = last.demonyms
        self.codes = frozenset().union(*(t.codes for t in self.tiers))
        self.key = "+".join(t.key for t in self.tiers)
        self._variants: dict[str, tuple[str, ...]] | None = None

    def __len__(self) -> int:
        return self._length

    def locate(self, index: int) -> tuple[WorldRows, int]:
        """The tier row ``index`` falls in and its row there."""
        for tier, start in zip(self.tiers, self.starts, strict=True):
            if index < start + len(tier):
                return tier, index - start
        raise IndexError(index)

    # -- one row -------------------------------------------------------------------------
    def fields(
        self, index: int
    ) -> tuple[str, str, float, float, str, str, str, int, int | None, str]:
        tier, row = self.locate(index)
        return tier.fields(row)

    def geonameid_number(self, index: int) -> int:
        """The row's GeoNames id, -1 for none."""
        tier, row = self.locate(index)
        number: int = tier.geonameid_column[row]
        return number

    def other_id(self, index: int) -> str | None:
        """The row's id when it is not ``gn:<its GeoNames id>``."""
        tier, row = self.locate(index)
        return tier.other_ids.get(row)

    def place_id(self, index: int) -> str:
        tier, row = self.locate(index)
        return tier.place_id(row)

    def population(self, index: int) -> int:
        tier, row = self.locate(index)
        value: int = tier.populations[row]
        return value

    def country(self, index: int) -> str:
        tier, row = self.locate(index)
        return tier.countries[row]

    def kind(self, index: int) -> str:
        tier, row = self.locate(index)
        return tier.kinds[row]

    def shadowed(self, index: int) -> bool:
        """True when an earlier tier holds a row with this row's GeoNames id."""
        if len(self.tiers) == 1:
            return False
        for tier, start in zip(self.tiers, self.starts, strict=True):
            if index < start + len(tier):
                return False
            number = self.geonameid_number(index)
            if number >= 0 and _holds_geonameid(tier, number):
                return True
        return False

    # -- names and ids -------------------------------------------------------------------
    def rows_named(self, key: str) -> tuple[int, ...]:
        if len(self.tiers) == 1:
            return self.tiers[0].rows_named(key)
        return tuple(
            start + row
            for tier, start in zip(self.tiers, self.starts, strict=True)
            for row in tier.rows_named(key)
        )

    def has_name(self, key: str) -> bool:
        return any(t.has_name(key) for t in self.tiers)

    def name_keys(self) -> Iterator[str]:
        """Every folded name once (a later tier's only where no earlier tier has it)."""
        for n, tier in enumerate(self.tiers):
            earlier = self.tiers[:n]
            for key in tier.name_keys():
                if not any(t.has_name(key) for t in earlier):
                    yield key

    @property
    def variants(self) -> dict[str, tuple[str, ...]]:
        """Every tier's other match forms of each folded name, merged."""
        if self._variants is None:
            if len(self.tiers) == 1:
                self._variants = self.tiers[0].variants
            else:
                merged: dict[str, set[str]] = {}
                for tier in self.tiers:
                    for key, forms in tier.variants.items():
                        merged.setdefault(key, set()).update(forms)
                self._variants = {k: tuple(sorted(v)) for k, v in merged.items()}
        return self._variants

    def index_of(self, place_id: str) -> int | None:
        """The row with this id in the first tier that has one, or None."""
        for tier, start in zip(self.tiers, self.starts, strict=True):
            row = tier.index_of(place_id)
            if row is not None:
                return start + row
        return None


def _holds_geonameid(tier: WorldRows, number: int) -> bool:
    position = bisect.bisect_left(tier.gn_ids, number)
    return position < len(tier.gn_ids) and tier.gn_ids[position] == number

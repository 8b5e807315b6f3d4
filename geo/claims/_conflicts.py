"""Sources that contradict each other about the same pair of places: one conflict check per
pair of places, its two most distant claims and the counts, found in time linear in the
claims (never one check per pair of claims)."""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

from geo import geodesy
from geo.claims._quantities import claim_bounds
from geo.claims._verdicts import check_claim
from geo.models import Check, Claim
from geo.settings import Tolerance

log = logging.getLogger(__name__)

#: How many distinct claimed values a conflict's note lists.
_TALLY_VALUES = 5


def _pair_key(claim: Claim) -> frozenset[str] | None:
    target = claim.subject
    if target is None or claim.reference is None or claim.vague or target.id == claim.reference.id:
        return None
    return frozenset((target.id, claim.reference.id))


def _oriented_bearing(claim: Claim, anchor: Claim) -> float | None:
    """The claim's bearing seen from ``anchor``'s reference (flipped if the roles swap)."""
    if claim.bearing_deg is None or claim.reference is None or anchor.reference is None:
        return None
    if claim.reference.id == anchor.reference.id:
        return claim.bearing_deg
    return (claim.bearing_deg + 180.0) % 360.0


def _who(claim: Claim) -> str:
    """The document id, with its source when that says more ("doc-7 (Reuters)")."""
    if claim.source and claim.source != claim.doc:
        return f"{claim.doc} ({claim.source})"
    return claim.doc


def _distance_pair(group: Sequence[Claim]) -> tuple[Claim, Claim, float] | None:
    """The two claims of different documents furthest apart (the highest lower bound
    against the lowest upper bound), in the group's order, and their gap; None when every
    claim comes from one document. Linear: the best two documents on each side suffice."""
    bounds = [claim_bounds(c) for c in group]
    by_low = _best_two_docs(group, [-low for low, _ in bounds])
    by_high = _best_two_docs(group, [high for _, high in bounds])
    best: tuple[int, int, float] | None = None
    for i in by_low:
        for j in by_high:
            if group[i].doc == group[j].doc:
                continue
            gap = bounds[i][0] - bounds[j][1]
            if best is None or gap > best[2]:
                best = (i, j, gap)
    if best is None:
        return None
    i, j, gap = best
    first, second = sorted((i, j))
    return group[first], group[second], max(0.0, gap)


def _best_two_docs(group: Sequence[Claim], keys: Sequence[float]) -> list[int]:
    """Indices of the smallest key of the best document and of the best other document
    (the first such claim on ties)."""
    chosen: list[int] = []
    for index in sorted(range(len(group)), key=lambda k: keys[k]):
        if not chosen or group[index].doc != group[chosen[0]].doc:
            chosen.append(index)
            if len(chosen) == 2:
                break
    return chosen


def _direction_pair(group: Sequence[Claim]) -> tuple[Claim, Claim, float] | None:
    """The two claims of different documents whose directions differ most (bearings as
    seen from the group's first claim's reference), in the group's order, and the angle.
    Bounded: bearings are compared once per whole degree, not once per claim."""
    anchor = group[0]
    seen: dict[int, list[int]] = {}  # whole degree -> first claims of two documents
    for index, claim in enumerate(group):
        bearing = _oriented_bearing(claim, anchor)
        if bearing is None:
            continue
        firsts = seen.setdefault(round(bearing) % 360, [])
        if len(firsts) < 2 and all(group[k].doc != claim.doc for k in firsts):
            firsts.append(index)
    best: tuple[int, int, float] | None = None
    indices = [k for firsts in seen.values() for k in firsts]
    for a, i in enumerate(indices):
        for j in indices[a + 1 :]:
            if group[i].doc == group[j].doc:
                continue
            bearing_i = _oriented_bearing(group[i], anchor)
            bearing_j = _oriented_bearing(group[j], anchor)
            assert bearing_i is not None and bearing_j is not None
            angle = geodesy.angle_between(bearing_i, bearing_j)
            if best is None or angle > best[2]:
                best = (i, j, angle)
    if best is None:
        return None
    i, j, angle = best
    first, second = sorted((i, j))
    return group[first], group[second], angle


class _Group:
    """The claims about one pair of places, as many as a conflict needs: per distinct
    distance (its bounds) and per whole degree of direction, the first claims of two
    documents, in the order they came, with counts of the rest. The extreme claims of a
    group are among these, so a pair of places said a million times costs what its
    distinct values do."""

    __slots__ = ("_by_bounds", "_by_degree", "claims", "count", "docs", "last_doc", "said")

    def __init__(self) -> None:
        self.claims: list[Claim] = []
        self.count = 0
        self.docs = 0
        self.last_doc: str | None = None
        self.said: Counter[str] = Counter()
        self._by_bounds: dict[tuple[float, float], list[str]] = {}
        self._by_degree: dict[int, list[str]] = {}

    def add(self, claim: Claim) -> None:
        self.count += 1
        self.said[claim.claimed_text] += 1
        if claim.doc != self.last_doc:  # a document's claims arrive together
            self.docs += 1
            self.last_doc = claim.doc
        anchor = self.claims[0] if self.claims else claim
        keep = _new_doc(self._by_bounds, claim_bounds(claim), claim.doc)
        bearing = _oriented_bearing(claim, anchor)
        if bearing is not None:
            keep = _new_doc(self._by_degree, round(bearing) % 360, claim.doc) or keep
        if keep:
            self.claims.append(claim)


def _new_doc(seen: dict[Any, list[str]], key: object, doc: str) -> bool:
    """Record ``doc`` for ``key`` if fewer than two documents have it yet."""
    docs = seen.setdefault(key, [])
    if len(docs) < 2 and doc not in docs:
        docs.append(doc)
        return True
    return False


def _tally(group: _Group) -> str:
    """How many claims and documents, and what they say ("45 km (3), 30 km (2)")."""
    said = group.said.most_common()
    shown = ", ".join(f"{text} ({n})" for text, n in said[:_TALLY_VALUES])
    if len(said) > _TALLY_VALUES:
        shown += f" and {len(said) - _TALLY_VALUES} other values"
    return f"{group.count} claims from {group.docs} documents: {shown}"


def _group_conflict(whole: _Group, tolerance: Tolerance) -> Check | None:
    """One conflict check summarising a group of claims about one pair of places: its two
    most distant claims (else its two most opposed directions), with counts when the
    group holds more than those two claims."""
    group = whole.claims
    notes: list[str] = []
    pair: tuple[Claim, Claim] | None = None
    distance = _distance_pair(group)
    if distance is not None:
        first, second, gap = distance
        scale = max(v for v in (first.claimed_km, second.claimed_km) if math.isfinite(v))
        if gap > tolerance.allowed_km(scale):
            pair = first, second
            notes.append(
                f"{_who(first)} says {first.claimed_text}, {_who(second)} says "
                f"{second.claimed_text}"
            )
    direction = _direction_pair(group)
    if direction is not None and direction[2] > tolerance.bearing_deg:
        pair = pair or direction[:2]
        notes.append(f"'{direction[0].direction_text}' versus '{direction[1].direction_text}'")
    if pair is None:
        return None
    first, second = pair
    (low1, high1), (low2, high2) = claim_bounds(first), claim_bounds(second)
    gap = max(0.0, low1 - high2, low2 - high1)
    assert first.subject is not None and first.reference is not None
    computed = geodesy.distance_km(first.reference, first.subject)
    errors = {
        c.doc: max(0.0, lo - computed, computed - hi)
        for c, lo, hi in ((first, low1, high1), (second, low2, high2))
    }
    closer = first if errors[first.doc] < errors[second.doc] else second
    if errors[first.doc] != errors[second.doc]:
        notes.append(f"geodesy ({computed:.1f} km) supports {_who(closer)}")
    if whole.count > 2:
        notes.append(_tally(whole))
    return Check(
        first,
        "inconsistent",
        computed_km=computed,
        difference_km=gap,
        kind="conflict",
        other=second,
        note="; ".join(notes),
    )


def find_conflicts(claims: Iterable[Claim], tolerance: Tolerance | None = None) -> list[Check]:
    """Conflict checks: for each pair of places that claims from different documents
    disagree about beyond tolerance (distance or direction), one check summarising them
    (the extreme claims and the counts), never one per pair of claims."""
    tolerance = tolerance or Tolerance()
    groups: dict[frozenset[str], _Group] = {}
    for claim in claims:
        key = _pair_key(claim)
        if key is not None:
            group = groups.get(key)
            if group is None:
                group = groups[key] = _Group()
            group.add(claim)
    conflicts: list[Check] = []
    for group in groups.values():
        conflict = _group_conflict(group, tolerance)
        if conflict is not None:
            conflicts.append(conflict)
    return conflicts


class Checks(Sequence[Check]):
    """The checks of a run: one distance check per claim (in order), then one conflict
    check per contradiction. The distance checks are worked out again each time they are
    read (from the claims, which may be spooled to disk), so a run's checks cost the
    memory of its conflicts only."""

    def __init__(
        self, claims: Iterable[Claim], conflicts: Sequence[Check], tolerance: Tolerance
    ) -> None:
        self._claims = claims if isinstance(claims, Sized) else list(claims)
        self.conflicts = list(conflicts)
        self._tolerance = tolerance
        self._count = len(self._claims)

    def __iter__(self) -> Iterator[Check]:
        for claim in self._claims:
            yield check_claim(claim, self._tolerance)
        yield from self.conflicts

    def __len__(self) -> int:
        return self._count + len(self.conflicts)

    def __getitem__(self, index: int) -> Check:  # type: ignore[override]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        if index >= self._count:
            return self.conflicts[index - self._count]
        for position, check in enumerate(self):
            if position == index:
                return check
        raise IndexError(index)  # pragma: no cover

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


def check_claims(claims: Iterable[Claim], tolerance: Tolerance | None = None) -> Checks:
    """One distance check per claim (in order), then one conflict check per contradiction."""
    tolerance = tolerance or Tolerance()
    claims = claims if isinstance(claims, Sized) else list(claims)
    checks = Checks(claims, find_conflicts(claims, tolerance), tolerance)
    counts = Counter(c.verdict for c in checks if c.kind == "distance")
    log.info(
        "checks: %d claims (%s), %d conflicts",
        len(checks) - len(checks.conflicts),
        ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) or "none",
        len(checks.conflicts),
    )
    return checks


# -- estimated locations ------------------------------------------------------------------

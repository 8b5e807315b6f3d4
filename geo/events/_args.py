"""The arguments of a trigger: the places in the prepositional phrases attached to it.

Read left to right from the trigger: from/out of = origin, to/for/into = destination,
through/via = waypoint, in/at/near = location; appositions and relative clauses are
skipped, coordinated places ("Gori and Kareli") share a role, and the precision of each
place (exact, near, somewhere in an area) is noted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from geo.events._rules import MOTION_KINDS, Lexicon
from geo.events._tables import Role, clause_tables, indexed_phrase_at, merged_roles
from geo.events._triggers import Hit, is_noun_use
from geo.events._units import Unit
from geo.models import LINEAR_KINDS, Place

_APPOSITION_STARTERS = frozenset(
    {
        "the",
        "a",
        "an",
        "about",
        "some",
        "around",
        "roughly",
        "nearly",
        "approximately",
        "just",
        "almost",
        "only",
        "now",
        "once",
        "itself",
        "home",
    }
)
#: "Moscow-backed", "rebel-held": a modifier, not a word that ends a place phrase.
_AFFILIATED = re.compile(r"[\w'’]+-(?:backed|held|controlled|led|based|occupied|run|allied)")
_STOP_PRONOUNS = frozenset({"it", "they", "he", "she", "we", "i", "you"})
_MAX_UNKNOWN_RUN = 5


@dataclass(slots=True)
class PlaceRef:
    place: Place
    text: str
    precision: int
    index: int


@dataclass(slots=True)
class Args:
    """The places attached to a trigger, by role, and where the scan stopped."""

    origin: list[PlaceRef] = field(default_factory=list)
    via: list[PlaceRef] = field(default_factory=list)
    destinations: list[list[PlaceRef]] = field(default_factory=list)
    locations: list[list[PlaceRef]] = field(default_factory=list)
    direction: str | None = None
    end: int = 0
    last_place: int = -1
    object_found: bool = False
    agent: list[Unit] = field(default_factory=list)
    absorbed: set[int] = field(default_factory=set)
    extra_actors: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.origin or self.via or self.destinations or self.locations)


class _Scanner:
    """Reads the prepositional phrases after a trigger (see :func:`scan_args`)."""

    def __init__(
        self, units: Sequence[Unit], hit: Hit, hits_at: dict[int, Hit], lexicon: Lexicon
    ) -> None:
        self.units = units
        self.hit = hit
        self.spec = hit.spec
        self.kind = hit.spec.kind
        self.hits_at = hits_at
        self.lex = lexicon
        self.tables = clause_tables(lexicon)
        self.motion = self.kind in MOTION_KINDS
        self.roles = merged_roles(
            self.spec.preps, lexicon.motion_roles if self.motion else lexicon.point_roles
        )
        self.args = Args()
        self.pending: str | None = None
        self.pending_precision = 1
        self.pending_is_object = False
        self.possessive: PlaceRef | None = None
        self.last_role: str | None = None
        self.new_slot = True
        self.direction_before = False
        self.vague_before = False
        self.unknown_run = 0
        self.after_place_noun = False
        self.between = False
        self.party_list = False
        self.coordinating = False

    # -- role lookup
    def role_at(self, index: int) -> Role | None:
        """The longest role phrase at ``index`` (the trigger's own first, at equal length)."""
        units = self.units
        best: Role | None = None
        if index < len(units):
            for phrase, role in self.roles.get(units[index].low, ()):
                size = len(phrase)
                if size == 1 or (
                    index + size <= len(units)
                    and all(units[index + k].low == phrase[k] for k in range(1, size))
                ):
                    best = (phrase, role)
                    break
        if (
            best is not None
            and self.motion
            and best[0] in (("for",), ("on",))
            and best not in self.spec.preps
        ):
            return None
        return best

    def set_pending(self, role: str, precision: int, is_object: bool = False) -> None:
        self.flush_possessive()
        self.pending = role
        self.pending_precision = precision
        self.pending_is_object = is_object
        self.direction_before = False
        self.vague_before = False
        self.new_slot = True

    def flush_possessive(self) -> None:
        if self.pending and self.possessive is not None:
            ref = self.possessive
            self.possessive = None
            self.assign(replace(ref, precision=3))
        self.possessive = None

    def clear(self) -> None:
        self.flush_possessive()
        self.pending = None

    def assign(self, ref: PlaceRef) -> None:
        role = self.pending or self.last_role
        if role is None:
            return
        args = self.args
        if role == "origin":
            args.origin.append(ref)
        elif role == "via":
            args.via.append(ref)
        elif role == "destination":
            if self.new_slot or not args.destinations:
                args.destinations.append([ref])
            else:
                args.destinations[-1].append(ref)
        elif self.new_slot or not args.locations:
            args.locations.append([ref])
        else:
            args.locations[-1].append(ref)
        if self.pending_is_object:
            args.object_found = True
        args.last_place = max(args.last_place, ref.index)
        self.last_role = role
        self.pending = None
        self.new_slot = False

    def precision_for(self, index: int) -> int:
        unit = self.units[index]
        assert unit.place is not None
        precision = self.pending_precision if self.pending else 1
        if unit.place.is_area or self.direction_before:
            precision = 3
        if self.vague_before:
            precision = max(precision, 2)
        if unit.place.kind in LINEAR_KINDS:
            precision = max(precision, 2)
        following = self.units[index + 1].low if index + 1 < len(self.units) else ""
        if following in self.tables.region_place_noun:
            precision = 3
        elif following in self.tables.vague_place_noun:
            precision = max(precision, 2)
        return precision

    # -- the scan
    def start_index(self) -> int:
        last = self.hit.last
        if self.role_at(last) is not None:
            return last
        return last + 1

    def run(self) -> Args:
        units = self.units
        index = self.start_index()
        if self.spec.object_role and self.spec.pos != "noun" and index == self.hit.last + 1:
            self.set_pending(self.spec.object_role, 1, is_object=True)
        while index < len(units):
            step = self.step(index)
            if step is None:
                break
            index = step
        self.flush_possessive()
        self.args.end = index
        return self.args

    def chain_ahead(self, index: int) -> bool:
        """A motion verb or continuation follows ("moved on", "to head to", "and then on to")."""
        units = self.units
        if index >= len(units):
            return False
        if self.chained(index) or indexed_phrase_at(units, index, self.tables.continuations):
            return True
        return units[index].low in ("to", "and", "then") and self.chain_ahead(index + 1)

    def chained(self, index: int) -> Hit | None:
        hit = self.hits_at.get(index)
        if (
            hit is None
            or not self.motion
            or hit.spec.kind not in MOTION_KINDS
            or not hit.spec.chain
        ):
            return None
        return hit

    def step(self, index: int) -> int | None:
        units, lex = self.units, self.lex
        unit = units[index]
        low = unit.low
        tables = self.tables
        if low in tables.pass_through:
            passing = indexed_phrase_at(units, index, tables.pass_through)
            if passing is not None:
                return index + len(passing)
        continuation = (
            indexed_phrase_at(units, index, tables.continuations)
            if self.motion and low in tables.continuations
            else None
        )
        if continuation is not None:
            self.set_pending("destination", 1)
            return index + len(continuation)
        hit = self.hits_at.get(index)
        if (
            hit is not None
            and hit is not self.hit
            and self.pending
            and is_noun_use(units, hit, lex)
        ):
            if self.motion:
                self.args.absorbed.add(hit.first)
            self.after_place_noun = True
            return hit.last + 1
        if hit is not None and hit is not self.hit:
            chained = self.chained(index)
            if chained is None:
                return None
            self.args.absorbed.add(chained.first)
            after = chained.last + 1
            if self.role_at(chained.last) is not None:
                after = chained.last
            elif chained.spec.object_role:
                self.set_pending(chained.spec.object_role, 1)
                return after
            self.clear()
            return after
        if self.pending and self.after_place_noun:
            inner = indexed_phrase_at(units, index, tables.point_roles)
            if inner is not None and inner != ("on",):
                if inner in lex.near_preps:
                    self.pending_precision = max(self.pending_precision, 2)
                self.between = self.between or inner == ("between",)
                self.after_place_noun = False
                return index + len(inner)
        role = self.role_at(index) if low in self.roles else None
        if role is not None and not (low == "to" and self.chained(index + 1)):
            phrase, name = role
            near = phrase in lex.near_preps
            self.set_pending(name, 2 if near else 1)
            self.between = phrase == ("between",)
            self.unknown_run = 0
            return index + len(phrase)
        if (low == "by" or (low == "from" and self.spec.patient_subject)) and index + 1 < len(
            units
        ):  # the agent: "captured by X"; "came under fire from X"
            self.args.agent = list(units[index + 1 : index + 8])
        if self.is_stop(index):
            return None
        if low == ",":
            return self.comma(index)
        if low in ("and", "or", "then", "to"):
            nxt = index + 1
            if nxt < len(units) and (
                self.chained(nxt) or indexed_phrase_at(units, nxt, tables.continuations)
            ):
                return nxt
            if low in ("and", "or") and self.last_role is not None and self.coordinated(nxt):
                self.coordinating = True
                return nxt
            if low == "and" and self.party_list:
                return nxt
            if low in ("and", "or"):
                return None
            self.clear()
            return nxt
        if unit.place is not None and not unit.reference:
            return self.place(index)
        if (
            self.motion
            and low in tables.compass
            and not (index + 1 < len(units) and units[index + 1].low == "of")
        ):
            self.args.direction = self.args.direction or low
            return index + 1
        if self.filler(unit):
            if low in tables.direction_adjective:
                self.direction_before = True
            if low in tables.vague_place_noun:
                self.vague_before = True
            if unit.actor is not None and self.kind == "exchange":
                self.args.extra_actors.append(unit.actor.actor)
            self.after_place_noun = low in tables.place_noun
            self.unknown_run = 0
            return index + 1
        # an unknown word: the phrase being read is not about a place
        self.after_place_noun = False
        self.coordinating = False
        if self.pending:
            self.clear()
        if self.kind == "exchange" and unit.actor is not None:
            self.args.extra_actors.append(unit.actor.actor)
        self.unknown_run += 1
        if self.unknown_run > _MAX_UNKNOWN_RUN:
            return None
        return index + 1

    def filler(self, unit: Unit) -> bool:
        low = unit.low
        return (
            low in self.tables.filler
            or (unit.actor is not None and unit.place is None)
            or unit.reference
            or ("-" in low and _AFFILIATED.fullmatch(low) is not None)
            or low in ("-", "’", "'")
        )

    def is_stop(self, index: int) -> bool:
        low = self.units[index].low
        if low in self.tables.stops:
            return True
        return not self.pending and (low == "that" or low in _STOP_PRONOUNS)

    def coordinated(self, index: int) -> bool:
        """A place (after fillers) follows: "Gori and Kareli"."""
        units = self.units
        while index < len(units) and self.filler(units[index]) and units[index].place is None:
            index += 1
        return index < len(units) and units[index].place is not None and not units[index].reference

    def comma(self, index: int) -> int | None:
        units = self.units
        nxt = index + 1
        if nxt >= len(units):
            return None
        after_place = self.args.last_place >= 0 and self.args.last_place >= index - 2
        if after_place and (units[nxt].low in _APPOSITION_STARTERS or units[nxt].low[:1].isdigit()):
            skip = nxt
            while (
                skip < len(units)
                and units[skip].low != ","
                and units[skip].low not in self.tables.hard
            ):
                if units[skip].low in self.tables.relative:
                    return None
                skip += 1
            return skip if skip < len(units) and units[skip].low == "," else None
        if self.motion and self.chain_ahead(nxt):
            return nxt
        if units[nxt].low in ("and", "or") and self.last_role is not None:
            return nxt
        if self.last_role is not None and self.coordinated(nxt):
            self.coordinating = True
            return nxt
        return None

    def place(self, index: int) -> int:
        units = self.units
        unit = units[index]
        assert unit.place is not None
        ref = PlaceRef(unit.place, unit.text, self.precision_for(index), index)
        if self.kind == "exchange" and unit.actor is not None and unit.actor.type == "state":
            self.args.extra_actors.append(unit.actor.actor)  # a side, not the venue
            self.party_list = True
            return index + 1
        if unit.possessive:
            if self.pending:
                self.possessive = ref
            return index + 1
        following = units[index + 1].low if index + 1 < len(units) else ""
        after = units[index + 2].low if index + 2 < len(units) else ""
        if following in self.tables.place_noun and after == "of":
            return index + 1  # "the Black Sea port of Poti": a modifier
        self.possessive = None
        if self.pending or (self.coordinating and self.last_role is not None):
            self.assign(ref)
            if self.between:
                self.last_role = None
                self.between = False
        self.after_place_noun = False
        self.coordinating = False
        self.unknown_run = 0
        return index + 1


def scan_args(units: Sequence[Unit], hit: Hit, hits: Sequence[Hit], lexicon: Lexicon) -> Args:
    """The places attached to ``hit`` by role, read left to right from the trigger."""
    hits_at = {h.first: h for h in hits}
    return _Scanner(units, hit, hits_at, lexicon).run()

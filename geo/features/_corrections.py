"""A reviewer's corrections (``geo map --corrections FILE``), applied on every run.

The file is YAML: a list of entries (or a mapping whose ``corrections`` key holds one).
Each entry is one of::

    - drop: ev-0123456789abcdef          # leave this feature out of the map
      note: a rumour, not an event
    - feature: ev-0123456789abcdef       # change what the machine said about it
      kind: withdrawal                   # any of kind, actor, status, date (YYYY-MM-DD)
      note: the column left the town     # a note alone only annotates the feature
    - mention: {doc: 02-senaki, text: Poti}          # or {doc: ..., span: [120, 124]}
      place: ge-poti                                  # another gazetteer place id
      note: the port, not the district

A feature is named by the ``id`` the run wrote; a feature merged from several reports is
also found by the id any one of its reports had alone, so a correction holds when a new
report of the same event joins it. Ids hash the event's kind, actor, places, date,
document and offset as the analysis found them: corrections never change an id.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from geo.errors import GeoValueError, UnknownPlaceError
from geo.models import EVENT_KINDS, STATUSES, Event, Mention, Place
from geo.text import bounded_loader

log = logging.getLogger(__name__)

#: A corrections file larger than this is refused (a reviewer's list, not a corpus).
CORRECTIONS_MAX_BYTES = 4 * 1024 * 1024
#: Deepest nesting of lists and mappings accepted.
CORRECTIONS_MAX_DEPTH = 10
#: Most entries one file may hold.
CORRECTIONS_MAX_ENTRIES = 100_000
_TEXT_MAX = 1000
_FEATURE_FIELDS = ("kind", "actor", "status", "date")
_ACTIONS = ("drop", "feature", "mention")


#: Safe YAML with no aliases (no alias bomb), bounded nesting, and dates left as text.
_Loader = bounded_loader(CORRECTIONS_MAX_DEPTH)


@dataclass(frozen=True, slots=True)
class FeatureCorrection:
    """Drop a feature, or change its kind, actor, status or date, or annotate it."""

    number: int
    id: str
    drop: bool = False
    kind: str | None = None
    actor: str | None = None
    status: str | None = None
    date: date | None = None
    note: str | None = None

    def describe(self) -> str:
        what = [f"{name}={getattr(self, name)}" for name in _FEATURE_FIELDS if self._sets(name)]
        return f"{'drop' if self.drop else 'feature'} {self.id}" + (
            f" ({', '.join(what)})" if what else ""
        )

    def _sets(self, name: str) -> bool:
        return getattr(self, name) is not None


@dataclass(frozen=True, slots=True)
class MentionMove:
    """Move the mentions of a document (one span, or every one of a text) to a place."""

    number: int
    doc: str
    place_id: str
    span: tuple[int, int] | None = None
    text: str | None = None
    note: str | None = None

    def describe(self) -> str:
        where = f"[{self.span[0]}-{self.span[1]}]" if self.span else repr(self.text)
        return f"mention {self.doc} {where} -> {self.place_id}"

    def selects(self, mention: Mention) -> bool:
        if mention.doc != self.doc or mention.type != "toponym":
            return False
        if self.span is not None:
            return (mention.start, mention.end) == self.span
        return mention.text.casefold() == (self.text or "").casefold()


@dataclass(frozen=True, slots=True)
class _Hit:
    """One mention a move matched: where it is, its place before and after."""

    move: MentionMove
    doc: str
    start: int
    end: int
    old: Place
    new: Place


@dataclass
class Corrections:
    """The parsed file, its places once resolved, and the account of what applied."""

    path: str
    sha256: str
    features: tuple[FeatureCorrection, ...] = ()
    moves: tuple[MentionMove, ...] = ()
    places: dict[str, Place] = field(default_factory=dict)
    hits: list[_Hit] = field(default_factory=list)
    applied: list[dict[str, Any]] = field(default_factory=list)
    matched: set[int] = field(default_factory=set)
    reported: bool = False
    _by_id: dict[str, list[FeatureCorrection]] | None = field(default=None, repr=False)
    _hits_by_doc: dict[str, list[_Hit]] | None = field(default=None, repr=False)

    def naming(self, ids: set[str]) -> list[FeatureCorrection]:
        """The feature corrections that name one of ``ids``, in file order."""
        if self._by_id is None:
            self._by_id = {}
            for correction in self.features:
                self._by_id.setdefault(correction.id, []).append(correction)
        found = [c for i in ids for c in self._by_id.get(i, ())]
        return sorted(found, key=lambda c: c.number)

    def hits_in(self, docs: set[str]) -> list[_Hit]:
        """The moved mentions of these documents."""
        if self._hits_by_doc is None:
            self._hits_by_doc = {}
            for hit in self.hits:
                self._hits_by_doc.setdefault(hit.doc, []).append(hit)
        return [h for d in sorted(docs) for h in self._hits_by_doc.get(d, ())]

    @property
    def entries(self) -> int:
        return len(self.features) + len(self.moves)

    def resolve_places(self, place_of_id: Callable[[str], Place]) -> None:
        """Look up every place a move names; an unknown id stops the run (exit 4)."""
        for move in self.moves:
            try:
                self.places[move.place_id] = place_of_id(move.place_id)
            except (KeyError, UnknownPlaceError):
                raise UnknownPlaceError(
                    f"{self.path}: entry {move.number}: no place with id {move.place_id!r} in "
                    "the gazetteer; check it with geo gazetteer lookup NAME"
                ) from None

    def unmatched(self) -> list[FeatureCorrection | MentionMove]:
        """Entries that matched nothing in this run, in file order."""
        every: list[FeatureCorrection | MentionMove] = [*self.features, *self.moves]
        return sorted((c for c in every if c.number not in self.matched), key=lambda c: c.number)

    def report(self) -> None:
        """Warn once about every entry that matched nothing."""
        if self.reported:
            return
        self.reported = True
        for entry in self.unmatched():
            log.warning(
                "%s: correction %d (%s) matches nothing in this run",
                self.path,
                entry.number,
                entry.describe(),
            )

    def record(self) -> dict[str, Any]:
        """What run.json says about the corrections."""
        return {
            "file": self.path,
            "sha256": self.sha256,
            "entries": self.entries,
            "applied": self.applied,
            "unmatched": [
                {"entry": c.number, "correction": c.describe()} for c in self.unmatched()
            ],
        }


# -- reading ------------------------------------------------------------------------------
def read_corrections(path: str | Path) -> Corrections:
    """Read and check a corrections file; anything wrong is one :class:`GeoValueError` line."""
    where = str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(CORRECTIONS_MAX_BYTES + 1)
    except OSError as exc:
        raise GeoValueError(f"{where}: cannot read the corrections file ({exc.strerror})") from None
    if len(data) > CORRECTIONS_MAX_BYTES:
        raise GeoValueError(
            f"{where}: corrections file over {CORRECTIONS_MAX_BYTES // (1024 * 1024)} MB"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise GeoValueError(f"{where}: corrections file is not UTF-8 text") from None
    try:
        loaded = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise GeoValueError(f"{where}:{line}: {problem}") from None
    except (ValueError, OverflowError, RecursionError) as exc:
        raise GeoValueError(f"{where}: unreadable value ({exc})") from None
    entries = _entry_list(loaded, where)
    features: list[FeatureCorrection] = []
    moves: list[MentionMove] = []
    for number, entry in enumerate(entries, start=1):
        parsed = _entry(entry, f"{where}: entry {number}", number)
        (moves if isinstance(parsed, MentionMove) else features).append(parsed)  # type: ignore[arg-type]
    return Corrections(where, hashlib.sha256(data).hexdigest(), tuple(features), tuple(moves))


def _entry_list(loaded: object, where: str) -> list[object]:
    if loaded is None:
        return []
    if isinstance(loaded, dict):
        if set(loaded) != {"corrections"}:
            raise GeoValueError(f"{where}: expected a list of corrections (or 'corrections:')")
        loaded = loaded["corrections"] or []
    if not isinstance(loaded, list):
        raise GeoValueError(f"{where}: expected a list of corrections, one '- ' entry each")
    if len(loaded) > CORRECTIONS_MAX_ENTRIES:
        raise GeoValueError(f"{where}: more than {CORRECTIONS_MAX_ENTRIES} corrections")
    return loaded


def _entry(entry: object, where: str, number: int) -> FeatureCorrection | MentionMove:
    if not isinstance(entry, dict):
        raise GeoValueError(f"{where}: expected 'key: value' lines (drop, feature or mention)")
    actions = [a for a in _ACTIONS if a in entry]
    if len(actions) != 1:
        raise GeoValueError(f"{where}: needs exactly one of drop, feature, mention")
    action = actions[0]
    allowed = {
        "drop": {"drop", "note"},
        "feature": {"feature", "note", *_FEATURE_FIELDS},
        "mention": {"mention", "place", "note"},
    }[action]
    unknown = sorted(str(k) for k in entry if k not in allowed)
    if unknown:
        raise GeoValueError(
            f"{where}: unknown key(s) {', '.join(unknown)} for {action}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
    note = _text(entry.get("note"), where, "note", optional=True)
    if action == "mention":
        return _move(entry, where, number, note)
    correction = FeatureCorrection(
        number=number,
        id=_text(entry[action], where, action),
        drop=action == "drop",
        kind=_choice(entry.get("kind"), EVENT_KINDS, where, "kind"),
        actor=_text(entry.get("actor"), where, "actor", optional=True),
        status=_choice(entry.get("status"), STATUSES, where, "status"),
        date=_date(entry.get("date"), where),
        note=note,
    )
    if (
        action == "feature"
        and note is None
        and not any(correction._sets(name) for name in _FEATURE_FIELDS)
    ):
        raise GeoValueError(f"{where}: says nothing to change (kind, actor, status, date, note)")
    return correction


def _move(entry: dict[Any, Any], where: str, number: int, note: str | None) -> MentionMove:
    selector = entry["mention"]
    if not isinstance(selector, dict) or "doc" not in selector:
        raise GeoValueError(f"{where}: mention needs {{doc: ID, text: NAME}} or {{doc, span}}")
    extra = sorted(str(k) for k in selector if k not in ("doc", "text", "span"))
    if extra or ("text" in selector) == ("span" in selector):
        raise GeoValueError(f"{where}: mention takes doc and one of text or span")
    span = selector.get("span")
    if span is not None:
        if not (
            isinstance(span, list)
            and len(span) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in span)
            and 0 <= span[0] < span[1]
        ):
            raise GeoValueError(f"{where}: span must be [start, end], 0 <= start < end")
        span = (span[0], span[1])
    return MentionMove(
        number=number,
        doc=_text(selector["doc"], where, "doc"),
        place_id=_text(entry.get("place"), where, "place"),
        span=span,
        text=_text(selector.get("text"), where, "text", optional=True),
        note=note,
    )


def _text(value: object, where: str, key: str, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise GeoValueError(f"{where}: {key} needs a text value")
    text = str(value).strip()
    if len(text) > _TEXT_MAX:
        raise GeoValueError(f"{where}: {key} longer than {_TEXT_MAX} characters")
    return text


def _choice(value: object, choices: Sequence[str], where: str, key: str) -> str | None:
    if value is None:
        return None
    if value not in choices:
        raise GeoValueError(f"{where}: {key} {value!r} is not one of {', '.join(choices)}")
    return str(value)


def _date(value: object, where: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise GeoValueError(f"{where}: date {value!r} is not a date; use YYYY-MM-DD") from None


# -- applying -----------------------------------------------------------------------------
def correct_mentions(mentions: list[Mention], corrections: Corrections) -> None:
    """Move the mentions the file names to their new places, in place; remember each hit
    so the events built on those mentions move with them."""
    if not corrections.moves:
        return
    corrections._hits_by_doc = None  # hits found below join the index
    for index, mention in enumerate(mentions):
        for move in corrections.moves:
            if mention.place is None or not move.selects(mention):
                continue
            new = corrections.places[move.place_id]
            hit = _Hit(move, mention.doc, mention.start, mention.end, mention.place, new)
            corrections.hits.append(hit)
            corrections.matched.add(move.number)
            corrections.applied.append(
                {
                    "entry": move.number,
                    "mention": f"{mention.doc} [{mention.start}-{mention.end}] {mention.text}",
                    "from": mention.place.id,
                    "to": new.id,
                }
            )
            mentions[index] = mention = replace(mention, place=new, reason=_moved(move, hit))
            break


def _moved(move: MentionMove, hit: _Hit) -> str:
    note = f" ({move.note})" if move.note else ""
    return f"corrected: place {hit.old.name} ({hit.old.id}) -> {hit.new.name} ({hit.new.id}){note}"


def correct_feature(
    fid: str,
    members: Sequence[Event],
    representative: Event,
    corrections: Corrections,
) -> tuple[Event, dict[str, Any], list[str]] | None:
    """The representative event and feature values after every correction naming this
    feature (by its id, or the id one of its reports had alone), and the notes saying so;
    None when a correction drops it."""
    from geo.features._features import event_id

    names = {fid, *(event_id(e) for e in members)} if corrections.features else set()
    notes: list[str] = []
    changes: dict[str, Any] = {}
    rep = _moved_places(members, representative, corrections, notes, fid)
    for correction in corrections.naming(names):
        corrections.matched.add(correction.number)
        suffix = f" ({correction.note})" if correction.note else ""
        said = {"note": correction.note} if correction.note else {}
        if correction.drop:
            corrections.applied.append({"entry": correction.number, "dropped": fid, **said})
            return None
        done: dict[str, Any] = {}
        for name in _FEATURE_FIELDS:
            value = getattr(correction, name)
            if value is None:
                continue
            before = rep.kind if name == "kind" else changes.get(name, _current(name, rep))
            changes[name] = value
            done[name] = str(value)
            notes.append(f"corrected: {name} {before or 'unknown'} -> {value}{suffix}")
        if correction.kind:
            rep = replace(rep, kind=correction.kind)
        if not done and correction.note:
            notes.append(f"note: {correction.note}")
        corrections.applied.append({"entry": correction.number, "feature": fid, **done, **said})
    return rep, changes, notes


def _current(name: str, rep: Event) -> Any:
    value = getattr(rep, name)
    return value.isoformat() if isinstance(value, date) else value


def _moved_places(
    members: Sequence[Event],
    rep: Event,
    corrections: Corrections,
    notes: list[str],
    fid: str,
) -> Event:
    """``rep`` with the places of moved mentions inside any member's sentence replaced."""
    places = list(rep.places)
    for hit in corrections.hits_in({e.doc for e in members}):
        inside = any(
            e.doc == hit.doc and e.char_start <= hit.start and hit.end <= e.char_end
            for e in members
        )
        if not inside or all(p.id != hit.old.id for p in places):
            continue
        places = [hit.new if p.id == hit.old.id else p for p in places]
        notes.append(_moved(hit.move, hit))
        corrections.applied.append(
            {"entry": hit.move.number, "feature": fid, "from": hit.old.id, "to": hit.new.id}
        )
    return rep if places == list(rep.places) else replace(rep, places=tuple(places))

"""The event extractor's tables, read from ``geo/data/event_lexicon.yaml`` and ``actors.csv``.

Behaviour lives in :mod:`geo.events._events` and its ``geo.event_*`` stages; the words it keys
on (trigger verbs and nouns, the role of each preposition, status cues, actor names) live
in data files, so a new theatre or phrasing is a data change. Everything is validated on
load: a bad file fails with the file, entry and field named.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from geo.errors import GeoValueError
from geo.models import EVENT_KINDS

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
LEXICON_PATH = DATA_DIR / "event_lexicon.yaml"
ACTORS_PATH = DATA_DIR / "actors.csv"

ROLES: tuple[str, ...] = ("origin", "destination", "via", "location")
ACTOR_TYPES: tuple[str, ...] = ("state", "demonym", "capital", "org", "group")
#: Kinds whose places form a path (origin, via..., destination).
MOTION_KINDS: frozenset[str] = frozenset({"movement", "withdrawal"})

Phrase = tuple[str, ...]
_NO_WORDS: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TriggerSpec:
    """One trigger: the word slots it matches and how its arguments are read."""

    name: str
    kind: str
    pos: str
    slots: tuple[frozenset[str] | None, ...]
    object_role: str | None = None
    object_required: bool = False
    preps: tuple[tuple[Phrase, str], ...] = ()
    context: frozenset[str] = frozenset()
    chain: bool = False
    force_subject: bool = False
    #: The subject is where the event happened, not who did it ("Tartar came under fire").
    patient_subject: bool = False
    #: The kind of the passive, whose subject is the actor ("were driven out of X":
    #: a withdrawal by the subject).
    passive_kind: str | None = None
    #: The form starts with a verb's every form ("~take"), not a fixed word ("bound for").
    verbal: bool = False

    @property
    def rule(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True, slots=True)
class ActorEntry:
    """A word or name that designates a party to the conflict."""

    term: str
    actor: str
    type: str
    case_sensitive: bool


@dataclass(frozen=True, slots=True)
class Lexicon:
    """All tables the extractor uses."""

    triggers: tuple[TriggerSpec, ...]
    motion_roles: tuple[tuple[Phrase, str], ...]
    point_roles: tuple[tuple[Phrase, str], ...]
    near_preps: frozenset[Phrase]
    continuations: tuple[Phrase, ...]
    words: dict[str, frozenset[str]]
    boundaries: dict[str, frozenset[str]]
    cues: dict[str, tuple[Phrase, ...]]
    actors: tuple[ActorEntry, ...]
    actor_pattern: re.Pattern[str] = field(repr=False)
    actor_pattern_cs: re.Pattern[str] = field(repr=False)

    def word(self, category: str, token: str) -> bool:
        """Whether ``token`` (lower case) is in a word category."""
        return token in self.words.get(category, _NO_WORDS)

    def boundary(self, category: str, token: str) -> bool:
        return token in self.boundaries.get(category, _NO_WORDS)

    def actor_for(self, text: str) -> ActorEntry | None:
        """The actor entry for a surface string (case rules of the entry respected)."""
        exact, folded = _actor_tables(self)
        return exact.get(text) or folded.get(text.lower())


_ACTOR_TABLES: dict[int, tuple[dict[str, ActorEntry], dict[str, ActorEntry]]] = {}


def _actor_tables(lexicon: Lexicon) -> tuple[dict[str, ActorEntry], dict[str, ActorEntry]]:
    tables = _ACTOR_TABLES.get(id(lexicon))
    if tables is None:
        exact = {e.term: e for e in lexicon.actors if e.case_sensitive}
        folded: dict[str, ActorEntry] = {}
        for entry in lexicon.actors:
            if not entry.case_sensitive:
                folded.setdefault(entry.term.lower(), entry)
        tables = _ACTOR_TABLES.setdefault(id(lexicon), (exact, folded))
    return tables


def _phrase(text: str) -> Phrase:
    return tuple(text.lower().split())


def _fail(path: Path, where: str, message: str) -> GeoValueError:
    return GeoValueError(f"{path}: {where}: {message}; fix the entry and run again")


def _string_list(path: Path, where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, where, "expected a list of strings (quote yes/no/on/off)")
    return value


@lru_cache(maxsize=4096)
def word_forms(word: str) -> frozenset[str]:
    """``word``, or with a leading ``~`` every form of that English verb ("~withdraw":
    withdraw, withdraws, withdrew, withdrawn, withdrawing), from lemminflect's tables (a
    package that ships its data; British doubled consonants added: "travelled")."""
    if not word.startswith("~"):
        return frozenset({word})
    from lemminflect import getAllInflections, getAllInflectionsOOV

    lemma = word[1:]
    table = getAllInflections(lemma, upos="VERB") or getAllInflectionsOOV(lemma, upos="VERB")
    forms = {lemma, *(form for group in table.values() for form in group)}
    if re.search(r"[^aeiou][aeiou]l$", lemma):  # travel: travelled, travelling
        forms |= {lemma + "led", lemma + "ling"}
    return frozenset(form.lower() for form in forms)


@lru_cache(maxsize=8192)
def is_past_participle(word: str) -> bool:
    """Whether ``word`` (lower case) is the past participle of an English verb ("taken",
    "retaken", "driven", "attacked"), from lemminflect's tables."""
    if word.endswith("ed"):
        return True
    from lemminflect import getAllInflections, getLemma

    for lemma in getLemma(word, upos="VERB"):
        if word in getAllInflections(lemma, upos="VERB").get("VBN", ()):
            return True
    return False


def _slots(form: str) -> tuple[frozenset[str] | None, ...]:
    return tuple(
        None
        if word == "*"
        else frozenset().union(*(word_forms(choice) for choice in word.lower().split("|")))
        for word in form.split()
    )


def _roles(path: Path, where: str, table: Any) -> tuple[tuple[Phrase, str], ...]:
    if not isinstance(table, dict):
        raise _fail(path, where, "expected a mapping of preposition -> role")
    pairs: list[tuple[Phrase, str]] = []
    for prep, role in table.items():
        if not isinstance(prep, str) or role not in ROLES:
            raise _fail(path, f"{where}.{prep}", f"role {role!r} is not one of {ROLES}")
        pairs.append((_phrase(prep), role))
    pairs.sort(key=lambda pair: -len(pair[0]))  # longest phrase first
    return tuple(pairs)


def _trigger(path: Path, index: int, entry: Any) -> list[TriggerSpec]:
    where = f"triggers[{index}]"
    if not isinstance(entry, dict):
        raise _fail(path, where, "expected a mapping")
    kind = entry.get("kind")
    if kind not in EVENT_KINDS:
        raise _fail(path, f"{where}.kind", f"{kind!r} is not one of {EVENT_KINDS}")
    pos = entry.get("pos", "verb")
    if pos not in ("verb", "noun", "both"):
        raise _fail(path, f"{where}.pos", f"{pos!r} is not verb, noun or both")
    role = entry.get("object")
    if role is not None and role not in ROLES:
        raise _fail(path, f"{where}.object", f"{role!r} is not one of {ROLES}")
    name = str(entry.get("name") or f"rule{index}")
    preps = _roles(path, f"{where}.preps", entry.get("preps") or {})
    context = frozenset(
        w.lower() for w in _string_list(path, f"{where}.context", entry.get("context") or [])
    )
    specs = []
    passive_kind = entry.get("passive_kind")
    if passive_kind is not None and passive_kind not in EVENT_KINDS:
        raise _fail(path, f"{where}.passive_kind", f"{passive_kind!r} is not one of {EVENT_KINDS}")
    for form in _string_list(path, f"{where}.forms", entry.get("forms")):
        slots = _slots(form)
        if not slots or slots[0] is None or slots[-1] is None:
            raise _fail(path, f"{where}.forms", f"{form!r} may not start or end with a gap")
        specs.append(
            TriggerSpec(
                name=name,
                kind=kind,
                pos=pos,
                slots=slots,
                object_role=role,
                object_required=bool(entry.get("object_required", False)),
                preps=preps,
                context=context,
                chain=bool(entry.get("chain", False)),
                force_subject=bool(entry.get("force_subject", False)),
                patient_subject=bool(entry.get("patient_subject", False)),
                passive_kind=passive_kind,
                verbal=form.startswith("~"),
            )
        )
    return specs


def read_actors(path: Path = ACTORS_PATH) -> tuple[ActorEntry, ...]:
    """Read the actor table (term, actor, type, case_sensitive)."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise GeoValueError(f"{path}: cannot read the actor table: {exc.strerror}") from exc
    entries = []
    for line, row in enumerate(rows, start=2):
        term, actor, kind = (row.get(k, "").strip() for k in ("term", "actor", "type"))
        if not term or not actor:
            raise _fail(path, f"line {line}", "term and actor must not be empty")
        if kind not in ACTOR_TYPES:
            raise _fail(path, f"line {line}", f"type {kind!r} is not one of {ACTOR_TYPES}")
        sensitive = row.get("case_sensitive", "").strip().lower() in ("yes", "true", "1")
        entries.append(ActorEntry(term, actor, kind, sensitive))
    entries.sort(key=lambda e: -len(e.term))
    return tuple(entries)


def _actor_regex(entries: tuple[ActorEntry, ...], case_sensitive: bool) -> re.Pattern[str]:
    terms = [re.escape(e.term) for e in entries if e.case_sensitive == case_sensitive]
    if not terms:
        return re.compile(r"(?!x)x")
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(r"(?<![\w-])(?:" + "|".join(terms) + r")(?![\w-])", flags)


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_PATH, actors_path: Path = ACTORS_PATH) -> Lexicon:
    """Load and validate the lexicon (cached: it is read once per process)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GeoValueError(f"{path}: cannot read the event lexicon: {exc}") from exc
    if not isinstance(data, dict):
        raise _fail(path, "top level", "expected a mapping")
    triggers: list[TriggerSpec] = []
    for index, entry in enumerate(data.get("triggers") or []):
        triggers.extend(_trigger(path, index, entry))
    roles = data.get("roles") or {}
    words = {
        name: frozenset(w.lower() for w in _string_list(path, f"words.{name}", values))
        for name, values in (data.get("words") or {}).items()
    }
    boundaries = {
        name: frozenset(w.lower() for w in _string_list(path, f"boundaries.{name}", values))
        for name, values in (data.get("boundaries") or {}).items()
    }
    cues = {
        name: tuple(
            sorted(
                {_phrase(v) for v in _string_list(path, f"cues.{name}", values)},
                key=len,
                reverse=True,
            )
        )
        for name, values in (data.get("cues") or {}).items()
    }
    actors = read_actors(actors_path)
    return Lexicon(
        triggers=tuple(triggers),
        motion_roles=_roles(path, "roles.motion", roles.get("motion")),
        point_roles=_roles(path, "roles.point", roles.get("point")),
        near_preps=frozenset(
            _phrase(p) for p in _string_list(path, "near_preps", data.get("near_preps"))
        ),
        continuations=tuple(
            sorted(
                (
                    _phrase(p)
                    for p in _string_list(path, "continuations", data.get("continuations"))
                ),
                key=len,
                reverse=True,
            )
        ),
        words=words,
        boundaries=boundaries,
        cues=cues,
        actors=actors,
        actor_pattern=_actor_regex(actors, case_sensitive=False),
        actor_pattern_cs=_actor_regex(actors, case_sensitive=True),
    )

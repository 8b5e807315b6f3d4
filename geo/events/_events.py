"""Who moved where, when: clause-level rules that turn report sentences into events.

For each sentence the extractor

1. builds *units* (:mod:`geo.events._units`): words, place mentions (from the toponym stage)
   and actor names (from ``data/actors.csv``); places inside a distance phrase are
   references of a claim, not event places;
2. finds *triggers* (:mod:`geo.events._triggers`, ``data/event_lexicon.yaml``): verbs and
   nouns of movement, withdrawal, occupation, checkpoints, positions, exchanges and
   attacks, on the sentences a document-level scan keeps;
3. reads each trigger's clause: the places attached to it by role
   (:mod:`geo.events._args`), its subject, status and date (:mod:`geo.events._clauses`), into
   a :class:`Frame`;
4. links clauses across sentences: "they were heading for B" after "the column left A"
   becomes A -> B; "the exchange in X" takes its actor from "Russia and Georgia exchanged
   prisoners" the sentence before.

Negated statements and demands ("NATO urged Moscow to pull out of X") yield no event.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import attrgetter

from geo.events._args import Args, PlaceRef, scan_args
from geo.events._clauses import (
    Subject,
    analyse_subject,
    choose_date,
    decide_status,
    left_boundary,
    nearest_actor_left,
    passive_patient,
    sentence_org,
    who_antecedent,
)
from geo.events._rules import (
    MOTION_KINDS,
    Lexicon,
    TriggerSpec,
    is_past_participle,
    load_lexicon,
)
from geo.events._tables import clause_tables
from geo.events._triggers import Hit, find_triggers, is_noun_use, scan_document
from geo.events._units import Unit, has_distance, has_low, unit_spans, units_from
from geo.models import Article, Event, Mention
from geo.text import (
    DateMention,
    ResolvedDate,
    Sentence,
    find_dates_within,
    resolvable_spans,
    split_sentences,
)
from geo.toponyms import focus_country

log = logging.getLogger(__name__)

_ADDRESSEE_VERBS = frozenset(
    {"told", "tell", "tells", "telling", "informed", "assured", "reminded"}
)
_ANAPHOR_SENTENCES = 3
_CONTINUATION_SENTENCES = 4
_PRECISION_PENALTY = {1: 0.0, 2: 0.05, 3: 0.1}
_START = attrgetter("start")


# -- frames --------------------------------------------------------------------------------------
@dataclass(slots=True)
class Frame:
    """An event being built: everything known about one trigger."""

    kind: str
    rule: str
    sentence: Sentence
    places: list[PlaceRef]
    actor: str | None
    actor_source: str
    subject_kind: str
    status: str
    date: ResolvedDate | None
    date_source: str
    direction: str | None
    confidence: float
    definite: bool
    estimable: bool
    origin_only: bool = False
    destination_only: bool = False
    position: int = 0
    continued: bool = False  # a later clause took its origin on ("... heading for B")
    national: bool = False  # the subject is "the army", "government forces": whose, unsaid

    @property
    def place_ids(self) -> tuple[str, ...]:
        return tuple(p.place.id for p in self.places)


def _paths(kind: str, args: Args) -> list[tuple[list[PlaceRef], str | None]]:
    """Place sequences (one per alternative destination/location) and a direction."""
    if kind in MOTION_KINDS:
        origin = args.origin[:1]
        if args.destinations:
            middle = [slot[0] for slot in args.destinations[:-1]]
            return [
                (origin + args.via + middle + [alt], args.direction)
                for alt in args.destinations[-1]
            ]
        if origin or args.via:
            return [(origin + args.via, args.direction or ("outbound" if origin else None))]
        return []
    slots = args.locations
    if not slots:
        return []
    specific = [slot for slot in slots if any(not r.place.is_area for r in slot)]
    chosen = specific[0] if specific else slots[0]
    refs = [r for r in chosen if not r.place.is_area] if specific else chosen
    return [([ref], None) for ref in refs]


def _relative_antecedent(units: Sequence[Unit], boundary: int) -> Unit | None:
    for unit in reversed(units[max(0, boundary - 14) : boundary]):
        if unit.place is not None and not unit.reference:
            return unit
        if unit.low in (";", ":") or unit.low in ("said", "says"):
            return None
    return None


def _holder(units: Sequence[Unit], hit: Hit, args: Args) -> str | None:
    """The force a place is under, falls to or comes under fire from: named inside the
    phrase ("under Russian control"), after it ("in the hands of the rebels", "fell to
    the RSF") or as its agent ("from Israeli forces"); armed groups count."""
    after: list[Unit] = []
    if units[hit.last].low in ("of", "to"):
        for unit in units[hit.last + 1 : hit.last + 6]:
            if unit.place is not None or unit.low in (",", ".", ";", "in", "at", "on", "near"):
                break
            after.append(unit)
    for unit in [*units[hit.first : hit.last + 1], *after, *args.agent]:
        if unit.actor is not None:
            return unit.actor.actor
    return None


def _actor_of(
    units: Sequence[Unit], hit: Hit, noun: bool, subject: Subject, args: Args, lexicon: Lexicon
) -> tuple[str | None, str]:
    """The acting party and where it came from."""
    if noun:
        for unit in reversed(units[max(0, hit.first - 4) : hit.first]):
            if unit.actor is not None and unit.actor.type != "group":
                return unit.actor.actor, "premodifier"
            if unit.low in (",", ";") or lexicon.word("aux", unit.low):
                break
        inside = [units[k] for k in range(hit.first, hit.last + 1) if units[k].actor is not None]
        if inside and inside[0].actor is not None:
            return inside[0].actor.actor, "premodifier"
    # a "by" inside the subject ("forces backed by U.S. airstrikes") names no passive agent
    subject_span = range(subject.start, subject.end) if subject.start >= 0 else range(0)
    agent = [
        u
        for u in args.agent
        if u.actor is not None
        and u.actor.type != "group"
        and not any(u is units[k] for k in subject_span)
    ]
    if agent and agent[0].actor is not None:
        return agent[0].actor.actor, "agent"
    if subject.actors:
        return " & ".join(sorted(subject.actors)) if len(subject.actors) > 1 else subject.actors[
            0
        ], "subject"
    if subject.possessive_pronoun:
        owner = nearest_actor_left(units, subject.start, groups=True)
        if owner is not None:
            return owner, "possessive"
    if subject.groups:
        group = subject.groups[0]
        if group == "monitors":
            return sentence_org(units) or group, "subject"
        return group, "subject"
    if subject.kind in ("force", "pronoun") or noun:
        nearest = nearest_actor_left(units, subject.start if subject.start >= 0 else hit.first)
        if nearest is not None:
            return nearest, "sentence"
    return None, ""


@lru_cache(maxsize=256)
def _confidence(frame_noun: bool, actor_source: str, precision: int, extra: float = 0.0) -> float:
    value = 0.7 if frame_noun else 0.8
    if actor_source in ("sentence", "discourse", "anaphor"):
        value -= 0.15
    elif not actor_source:
        value -= 0.2
    value -= _PRECISION_PENALTY[precision]
    value += extra
    return round(min(0.95, max(0.05, value)), 2)


def _context_ok(
    spec: TriggerSpec, units: Sequence[Unit], hit: Hit, memory: Sequence[Frame]
) -> bool:
    if not spec.context:
        return True
    if has_low(units, spec.context):
        return True
    definite = hit.first > 0 and units[hit.first - 1].low in ("the", "this", "that")
    return definite and any(f.kind == spec.kind for f in memory)


def frames_for_sentence(
    units: list[Unit],
    sentence: Sentence,
    dates: Sequence[DateMention],
    published: date | None,
    memory: Sequence[Frame],
    lexicon: Lexicon,
    hits: Sequence[Hit] | None = None,
    unread: bool = False,
) -> list[Frame]:
    """Frames for every trigger in one sentence (``hits``: its triggers, if found already).

    ``unread``: no frame of a later sentence within ``_ANAPHOR_SENTENCES`` is built; then
    a frame of its last trigger that cannot become an event is left out: no frame after
    it reads it (only those sentences take its actor, date or kind, ``_inherit`` and the
    memory, and a frame without places continues no movement).
    """
    if hits is None:
        hits = find_triggers(units, lexicon)
    frames: list[Frame] = []
    absorbed: set[int] = set()
    estimable = has_distance(units)
    for hit in hits:
        if hit.first in absorbed:
            continue
        frame_list = _frames_for_hit(
            units,
            hit,
            hits,
            sentence,
            dates,
            published,
            memory,
            estimable,
            lexicon,
            absorbed,
            unread and hit is hits[-1],
        )
        frames.extend(frame_list)
    return frames


def _frames_for_hit(
    units: list[Unit],
    hit: Hit,
    hits: Sequence[Hit],
    sentence: Sentence,
    dates: Sequence[DateMention],
    published: date | None,
    memory: Sequence[Frame],
    estimable: bool,
    lexicon: Lexicon,
    absorbed: set[int],
    unread: bool = False,
) -> list[Frame]:
    spec = hit.spec
    noun = is_noun_use(units, hit, lexicon)
    if noun and spec.pos == "verb":
        return []
    if not _context_ok(spec, units, hit, memory):
        return []
    lo, btype = left_boundary(units, hit.first, lexicon)
    if btype == "relative:who":
        subject = who_antecedent(units, lo, lexicon)
    else:
        subject = analyse_subject(units, lo + 1, hit.first, lexicon)
        if lo >= 0 and units[lo].low in _ADDRESSEE_VERBS and 0 <= subject.end < hit.first:
            inner = analyse_subject(units, subject.end, hit.first, lexicon)  # "told journalists
            if inner.kind != "none":  # his men were ...": the first phrase is the addressee
                subject = inner
    if not noun and subject.kind in ("person", "other"):
        return []
    if spec.force_subject and subject.kind not in ("force", "pronoun"):
        return []
    args = scan_args(units, hit, hits, lexicon)
    absorbed.update(args.absorbed)
    rule = spec.rule + ("/noun" if noun else "")
    extra = 0.0
    passive = spec.patient_subject or (
        not noun
        and has_low(units[max(lo + 1, hit.first - 3) : hit.first], clause_tables(lexicon).be)
        and (
            units[hit.first].low.endswith("ed")
            or ((spec.verbal or spec.passive_kind) and is_past_participle(units[hit.first].low))
        )
    )
    kind = spec.kind
    if passive and spec.passive_kind:  # "were driven out of X": the subject withdrew
        kind, passive = spec.passive_kind, False
        rule = f"{kind}:{spec.name}+passive" + ("/noun" if noun else "")
    if passive:
        subject = passive_patient(units, lo, hit.first, lexicon, subject)
    role = spec.object_role or ("location" if kind not in MOTION_KINDS else None)
    if args.empty() and role and not noun:
        antecedent = None
        if btype in ("relative:which", "complement") or (
            btype == "relative:where" and role == "location"
        ):
            antecedent = _relative_antecedent(units, lo)
            rule += "+relative"
        elif passive and subject.places:
            antecedent = subject.places[0]
            rule += "+passive"
        if antecedent is not None and antecedent.place is not None:
            ref = PlaceRef(
                antecedent.place,
                antecedent.text,
                3 if antecedent.place.is_area else 1,
                units.index(antecedent),
            )
            _assign_role(args, role, ref)
            args.object_found = True
            extra -= 0.05
    if spec.object_required and not args.object_found:
        return []
    if kind != spec.kind and kind in MOTION_KINDS and not args.origin and args.locations:
        args.origin = args.locations[0][:1]  # the place held becomes the place left
    paths = _paths(kind, args)
    if unread and not paths and not (estimable and kind not in MOTION_KINDS):
        # without places, and read by no frame (none comes after it in its sentence or
        # within reach after it): it can neither be kept (``_keep``) nor gain places
        return []
    status = decide_status(units, hit, lo, btype, subject, noun, args.end, lexicon)
    if status is None:
        return []
    # the subject of "came under fire" is the target: the actor is only its agent ("from X"),
    # a force named in the phrase ("under Russian control") or after it ("fell to the RSF")
    if spec.patient_subject:
        holder = _holder(units, hit, args)
        actor, actor_source = (holder, "agent") if holder else (None, "")
    else:
        actor, actor_source = _actor_of(units, hit, noun, subject, args, lexicon)
    if kind == "exchange":
        actor = _exchange_parties(actor, args.extra_actors)
    resolved, date_source = choose_date(
        units, hit, lo, btype, args, noun, dates, published, lexicon, status
    )
    definite = (
        subject.kind == "pronoun"
        or subject.definite
        or (noun and hit.first > 0 and units[hit.first - 1].low in ("the", "this", "that"))
    )
    frames = []
    for places, direction in paths or [([], None)]:
        precision = max((p.precision for p in places), default=3)
        frames.append(
            Frame(
                kind=kind,
                rule=rule,
                sentence=sentence,
                places=places,
                actor=actor,
                actor_source=actor_source,
                subject_kind="nominal" if noun else subject.kind,
                status=status,
                date=resolved,
                date_source=date_source,
                direction=direction,
                confidence=_confidence(noun, actor_source, precision, extra),
                definite=definite,
                estimable=estimable,
                origin_only=bool(args.origin) and not args.destinations,
                destination_only=bool(args.destinations) and not args.origin and not args.via,
                position=hit.first,
                national=_national(units, subject),
            )
        )
    return frames


def _exchange_parties(actor: str | None, others: Sequence[str]) -> str | None:
    """Both sides of an exchange: the actor and the sides named with the prisoners."""
    parties = set(actor.split(" & ")) if actor else set()
    if actor is None and len(set(others)) < 2:
        return None
    parties.update(others)
    return " & ".join(sorted(parties)) if parties else None


def _assign_role(args: Args, role: str, ref: PlaceRef) -> None:
    if role == "origin":
        args.origin.append(ref)
    elif role == "via":
        args.via.append(ref)
    elif role == "destination":
        args.destinations.append([ref])
    else:
        args.locations.append([ref])


# -- discourse -----------------------------------------------------------------------------------
def _recent(memory: Sequence[Frame], frame: Frame, window: int) -> list[Frame]:
    return [
        m
        for m in reversed(memory)
        if m is not frame
        and frame.sentence.index - window <= m.sentence.index <= frame.sentence.index
        and (m.sentence.index < frame.sentence.index or m.position < frame.position)
    ]


def link_discourse(frames: list[Frame]) -> None:
    """Fill actors, origins and dates from earlier clauses of the same document.

    Frames come in sentence order, and only those of the last few sentences are looked at,
    so each frame sees a bounded slice of the ones before it (linear in the document).
    """
    reach = max(_ANAPHOR_SENTENCES, _CONTINUATION_SENTENCES)
    first = 0
    for position, frame in enumerate(frames):
        while frames[first].sentence.index < frame.sentence.index - reach:
            first += 1
        earlier = frames[first:position]
        if frame.kind in MOTION_KINDS and frame.destination_only and frame.definite:
            _continue_movement(frame, earlier)
        if frame.actor is None or frame.date is None:
            _inherit(frame, earlier)


def _continue_movement(frame: Frame, earlier: Sequence[Frame]) -> None:
    for previous in _recent(earlier, frame, _CONTINUATION_SENTENCES):
        target = frame.places[-1].place.id if frame.places else None
        if previous.kind in MOTION_KINDS and target in previous.place_ids[1:]:
            # a restatement: "they were bound for C" after "left A for B and C"
            frame.places = previous.places[: previous.place_ids.index(target) + 1]
            _take_over(frame, previous)
            return
        if previous.kind in MOTION_KINDS and previous.origin_only and previous.places:
            if previous.places[0].place.id in frame.place_ids:
                return
            frame.places = [previous.places[0], *frame.places]
            previous.continued = True
            _take_over(frame, previous)
            return


def _take_over(frame: Frame, previous: Frame) -> None:
    frame.destination_only = False
    frame.rule += "+continuation"
    frame.confidence = round(max(0.05, frame.confidence - 0.1), 2)
    if frame.actor is None and previous.actor is not None:
        frame.actor, frame.actor_source = previous.actor, "anaphor"
    if frame.date is None and previous.date is not None:
        frame.date, frame.date_source = previous.date, "anaphor"


def _inherit(frame: Frame, earlier: Sequence[Frame]) -> None:
    candidates = _recent(earlier, frame, _ANAPHOR_SENTENCES)
    same_kind = [c for c in candidates if c.kind == frame.kind]
    shared = [c for c in same_kind if set(c.place_ids) & set(frame.place_ids)]
    antecedent: Frame | None = None
    if frame.definite and same_kind:
        antecedent = same_kind[0]
    elif shared:
        antecedent = shared[0]
    if frame.actor is None:
        source = antecedent
        if source is None and frame.subject_kind in ("force", "pronoun"):
            source = next(
                (
                    c
                    for c in candidates
                    if c.actor is not None and c.sentence.index >= frame.sentence.index - 2
                ),
                None,
            )
        if source is not None and source.actor is not None:
            frame.actor, frame.actor_source = source.actor, "discourse"
            frame.confidence = round(max(0.05, frame.confidence - 0.1), 2)
    if frame.date is None and antecedent is not None and antecedent.date is not None:
        frame.date, frame.date_source = antecedent.date, "anaphor"


# -- public ----------------------------------------------------------------------------------------
def _event_date(frame: Frame, article: Article) -> tuple[date | None, str]:
    """The clause's own date (or one it inherits), else the report's own date, said as
    precision ``report``; ``unknown`` only when the report has no date either."""
    resolved = frame.date
    if resolved is not None and resolved.known:
        return resolved.date, resolved.precision
    if article.published is not None:
        return article.published, "report"
    return None, "unknown"


def _to_event(frame: Frame, article: Article) -> Event:
    sentence = frame.sentence
    when, precision = _event_date(frame, article)
    return Event(
        kind=frame.kind,
        actor=frame.actor,
        places=tuple(p.place for p in frame.places),
        doc=article.doc,
        quote=sentence.text,
        char_start=sentence.start,
        char_end=sentence.end,
        rule=frame.rule,
        confidence=frame.confidence,
        status=frame.status,
        date=when,
        date_precision=precision,
        geo_precision=max((p.precision for p in frame.places), default=3),
        source=article.source,
        direction=frame.direction,
        place_texts=tuple(p.text for p in frame.places),
    )


def _keep(frame: Frame) -> bool:
    if frame.places:
        return True
    return frame.estimable and frame.actor is not None and frame.kind not in MOTION_KINDS


#: Where an actor comes from when the clause itself names it.
_NAMED_ACTOR = frozenset({"subject", "agent", "premodifier", "possessive"})
_WORDS = re.compile(r"[a-z][a-z'-]*")


def _armed(frame: Frame, lexicon: Lexicon) -> bool:
    """Whether the frame is about armed forces: its sentence says so ("troops", "shelling",
    "ceasefire"), or, for anything but an attack, the clause names the force that acts
    (a state or an armed group). Sport, lotteries, trade and people travelling are not."""
    if frame.kind == "exchange" or "+continuation" in frame.rule:
        return True  # an exchange's trigger needs prisoners; a continuation, its movement
    words = _WORDS.findall(frame.sentence.text.lower())
    if any(lexicon.word("armed", w) for w in words):
        return True
    if frame.kind == "attack" or frame.actor is None:
        return False
    # a force that withdraws or takes a place: any actor will do; one that moves or is
    # somewhere: only one its own clause names (not "Americans" two sentences back)
    return frame.kind in ("withdrawal", "occupation") or frame.actor_source in _NAMED_ACTOR


def _dedupe(frames: Iterable[Frame]) -> list[Frame]:
    best: dict[tuple[int, str, str | None, tuple[str, ...], str], Frame] = {}
    order: list[tuple[int, str, str | None, tuple[str, ...], str]] = []
    for frame in frames:
        key = (frame.sentence.index, frame.kind, frame.actor, frame.place_ids, frame.status)
        if key not in best:
            order.append(key)
            best[key] = frame
        elif frame.confidence > best[key].confidence:
            best[key] = frame
    return [best[key] for key in order]


def _sentences_reaching_places(
    candidates: Sequence[int], sentences: Sequence[Sentence], own: Sequence[Mention]
) -> list[int]:
    """The ``candidates`` whose frames can end up in an event.

    A frame keeps an event only with places, and places come from place mentions of its
    own sentence (units, relative and passive antecedents) or from an earlier frame that
    has them (a continuation). A frame without places still passes its actor, date or
    kind forward, but no more than ``_ANAPHOR_SENTENCES`` sentences (``_inherit``, the
    memory of ``_context_ok``). So a sentence matters if it has a place mention, or if a
    sentence that matters follows it within that window; the others can be skipped
    without changing any event. ``own``: the document's mentions, sorted by start.
    """
    place_starts = [m.start for m in own if m.place is not None and m.type != "demonym"]
    chosen: list[int] = []
    following = -1  # the nearest later sentence that matters
    for position in reversed(candidates):
        sentence = sentences[position]
        first = bisect.bisect_left(place_starts, sentence.start)
        has_place = first < len(place_starts) and place_starts[first] < sentence.end
        if has_place or 0 <= following - sentence.index <= _ANAPHOR_SENTENCES:
            chosen.append(position)
            following = sentence.index
    chosen.reverse()
    return chosen


def extract_frames(
    article: Article,
    mentions: Sequence[Mention],
    lexicon: Lexicon | None = None,
    *,
    placeless: bool = True,
) -> list[Frame]:
    """Every frame of a document, linked across sentences (``placeless=False``: only
    those that can become events; see :func:`_sentences_reaching_places`)."""
    lexicon = lexicon or load_lexicon()
    text = article.text
    size = len(text)
    own = [m for m in mentions if m.doc == article.doc and 0 <= m.start <= m.end <= size]
    own.sort(key=_START)
    starts = [m.start for m in own]
    sentences = split_sentences(text)
    candidates, actor_at = scan_document(text, sentences, lexicon)
    if not placeless:
        candidates = _sentences_reaching_places(candidates, sentences, own)
    analysed: list[tuple[Sentence, list[Unit], list[Hit]]] = []
    for position in candidates:
        sentence = sentences[position]
        first = bisect.bisect_left(starts, sentence.start)
        chosen = unit_spans(text, sentence, own, lexicon, first, actor_at)
        units = units_from(text, sentence, chosen)
        hits = find_triggers(units, lexicon)
        if hits:
            analysed.append((sentence, units, hits))
    # without a publication date ``choose_date`` reads only the dates that resolve: the
    # other sentences have none that matter
    spans = [(s.start, s.end) for s, _, _ in analysed]
    spans = resolvable_spans(text, article.published, spans)
    dates = find_dates_within(text, article.published, spans) if spans else []
    frames: list[Frame] = []
    for number, (sentence, units, hits) in enumerate(analysed):
        following = analysed[number + 1][0].index if number + 1 < len(analysed) else None
        unread = not placeless and (
            following is None or following - sentence.index > _ANAPHOR_SENTENCES
        )
        sentence_dates = [d for d in dates if sentence.start <= d.start and d.end <= sentence.end]
        if sentence_dates:  # "on March 2" names a day, not a march
            hits = [
                h
                for h in hits
                if not any(d.start <= units[h.first].start < d.end for d in sentence_dates)
            ]
        recent = [
            f for f in frames[-40:] if f.sentence.index >= sentence.index - _ANAPHOR_SENTENCES
        ]
        frames.extend(
            frames_for_sentence(
                units,
                sentence,
                sentence_dates,
                article.published,
                recent,
                lexicon,
                hits,
                unread,
            )
        )
    link_discourse(frames)
    if any(f.national and f.actor is None for f in frames):
        home = _home_actor(own, lexicon)
        for frame in frames:
            if frame.national and frame.actor is None and home is not None:
                frame.actor, frame.actor_source = home, "home"
                frame.confidence = round(max(0.05, frame.confidence - 0.1), 2)
    return frames


#: Words that name a country's own forces without saying which country's.
_NATIONAL = frozenset({"army", "military", "government", "regime", "junta", "armed"})


def _national(units: Sequence[Unit], subject: Subject) -> bool:
    """ "The army", "government forces", "the military": a state's forces, state unnamed."""
    if subject.kind != "force" or subject.actors or subject.groups or subject.start < 0:
        return False
    return any(u.low in _NATIONAL for u in units[subject.start : subject.end])


def _home_actor(mentions: Sequence[Mention], lexicon: Lexicon) -> str | None:
    """The state whose army "the army" is: the document's focus country, when the document
    names that country (as a country or by its demonym) and the actors data knows it."""
    focus = focus_country(mentions)
    if focus is None:
        return None
    for mention in mentions:
        place = mention.place
        if place is not None and place.kind == "country" and place.country == focus[0]:
            entry = lexicon.actor_for(place.name)
            if entry is not None and entry.type == "state":
                return entry.actor
    return None


#: Rules whose verb names only the place left ("left Gori", "departed the base").
_DEPARTURES = ("movement:leave", "movement:depart")


def _departure_as_withdrawal(frame: Frame) -> Frame:
    """Leaving a place for nowhere named is a withdrawal from it ("the rebels left Gori");
    with a destination, a compass heading or a later clause saying where to, it stays a
    movement ("left Gori for Kaspi", "left Gori and headed north")."""
    if (
        frame.kind == "movement"
        and frame.rule.split("+")[0] in _DEPARTURES
        and frame.origin_only
        and not frame.continued
        and frame.direction in (None, "outbound")
        and len(set(frame.place_ids)) == 1
    ):
        frame.kind = "withdrawal"
    return frame


_HEADLINE_MAX_WORDS = 25


def headline_end(text: str) -> int:
    """Where a report's headline ends (0 when it has none): a first line of at most 25
    words that does not end a sentence and is followed by a line break."""
    stripped = len(text) - len(text.lstrip())
    end = text.find("\n", stripped)
    if end < 0:
        return 0
    line = text[stripped:end].strip()
    if not line or line[-1] in ".!?\"'”’" or len(line.split()) > _HEADLINE_MAX_WORDS:
        return 0
    return end


def _restated_in_body(frame: Frame, body: Sequence[Frame]) -> bool:
    """Whether a headline's frame is told again in the body (same kind and a shared place,
    actors not in conflict): the body's version, with its quote and date, is kept."""
    places = set(frame.place_ids)
    return any(
        other.kind == frame.kind
        and places & set(other.place_ids)
        and (frame.actor is None or other.actor is None or frame.actor == other.actor)
        for other in body
    )


def _without_restated_headline(frames: list[Frame], text: str) -> list[Frame]:
    end = headline_end(text)
    if not end:
        return frames
    body = [f for f in frames if f.sentence.start >= end]
    return [f for f in frames if f.sentence.start >= end or not _restated_in_body(f, body)]


def extract_events(article: Article, mentions: Sequence[Mention]) -> list[Event]:
    """Events of one article: kind, actor, ordered places, status, date and evidence. A
    headline's event that the body tells again is the body's event (one feature, not two)."""
    lexicon = load_lexicon()
    frames = [
        f
        for f in extract_frames(article, mentions, lexicon, placeless=False)
        if _keep(f) and _armed(f, lexicon)
    ]
    frames = [_departure_as_withdrawal(f) for f in _dedupe(frames)]
    events = [_to_event(f, article) for f in _without_restated_headline(frames, article.text)]
    log.debug("events: %d in %s", len(events), article.doc)
    return events

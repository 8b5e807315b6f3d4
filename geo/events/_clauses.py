"""The clause of a trigger: where it starts, its subject, its status and its date.

The left boundary of the clause (a conjunction, a relative pronoun, a verb of speech...),
the subject noun phrase (a force acts; a minister or a reporter who only *talks* does
not), the status (negated or a demand: no event; denied, hypothetical, planned, claimed
or reported) and the date (in the clause, in a simultaneous matrix clause, a
sentence-initial adverbial, or the publication date for a present-tense statement).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from geo.events._args import Args
from geo.events._rules import Lexicon, Phrase
from geo.events._tables import (
    ClauseTables,
    clause_tables,
    has_cue,
    indexed_phrase_at,
    phrase_at,
    phrase_index,
)
from geo.events._triggers import DETERMINERS, Hit
from geo.events._units import Unit, has_low, unit_low
from geo.text import DateMention, ResolvedDate

_ASPECTUAL_TO = frozenset(
    {
        "began",
        "begin",
        "begun",
        "beginning",
        "begins",
        "started",
        "start",
        "starting",
        "starts",
        "continued",
        "continue",
        "continues",
        "continuing",
        "managed",
        "resumed",
    }
)
_PRESENT_BE = frozenset({"is", "are", "am"})
_NEGATION_TRANSPARENT = frozenset(
    {
        "try",
        "tried",
        "trying",
        "attempt",
        "attempted",
        "manage",
        "managed",
        "plan",
        "planned",
        "intend",
        "intended",
        "want",
        "wanted",
        "seem",
        "seemed",
        "appear",
        "appeared",
        "dare",
        "bother",
        "begin",
        "began",
        "start",
        "started",
    }
)


# -- boundary and subject ----------------------------------------------------------------
@dataclass(slots=True)
class Subject:
    """The subject noun phrase of a trigger's clause, classified."""

    kind: str  # force, state, pronoun, person, other, none
    actors: list[str] = field(default_factory=list)
    start: int = -1
    end: int = -1
    possessive_pronoun: bool = False
    groups: list[str] = field(default_factory=list)
    places: list[Unit] = field(default_factory=list)
    definite: bool = False
    #: Forces named as backing the subject ("Turkish-backed", "backed by US airstrikes").
    backers: list[str] = field(default_factory=list)


def left_boundary(units: Sequence[Unit], index: int, lexicon: Lexicon) -> tuple[int, str]:
    """Index and type of the unit that closes the trigger's clause on the left."""
    seen = False
    tables = clause_tables(lexicon)
    closing = tables.closing
    j = index - 1
    while j >= 0:
        unit = units[j]
        low = unit.low
        if low not in closing:  # none of the checks below can close the clause here
            # (only an actor or a word in ``heads`` can be a candidate)
            if (
                not seen
                and (unit.actor is not None or low in tables.heads)
                and _is_candidate(tables, units, j)
            ):
                seen = True
            j -= 1
            continue
        nxt = units[j + 1].low if j + 1 < len(units) else ""
        prev = units[j - 1].low if j > 0 else ""
        if j > 0 and units[j - 1].end == unit.start and (prev == "-" or low == "-"):
            j -= 1  # a glued compound ("U.S.-led"), not a verb or a dash that ends a clause
            continue
        if low in tables.hard:
            return j, "hard"
        if low in tables.relative:
            return j, f"relative:{low}"
        if low == "that" and (
            prev in tables.communication
            or prev in tables.cognition
            or prev in ("and", ",", "so", "ensure", "sure")
        ):
            return j, "complement"
        if low == "as" and (
            prev in ("such", "well", "far") or nxt in ("far", "well", "much", "many", "part", "a")
        ):
            j -= 1
            continue
        if lexicon.boundary("subordinator", low):
            return j, f"subordinator:{low}"
        if lexicon.boundary("conjunction", low):
            return j, "conjunction"
        if low in tables.perception and not lexicon.word("be", prev):
            return j, "perception"
        if low in tables.communication and not lexicon.word("be", prev):
            return j, "communication"
        if low in tables.cognition:
            return j, "cognition"
        if low == "," and seen:
            return j, "comma"
        if not seen and _is_candidate(tables, units, j):
            seen = True
        j -= 1
    return -1, "start"


def _is_candidate(tables: ClauseTables, units: Sequence[Unit], index: int) -> bool:
    """Whether ``units[index]`` can head the subject: an actor, a force, a person, a
    pronoun (``tables``: the lexicon's)."""
    unit = units[index]
    if unit.actor is not None:
        return True
    low = unit.low
    if low in tables.subject:
        return True
    return low in tables.collective and index + 1 < len(units) and units[index + 1].low == "of"


def analyse_subject(units: Sequence[Unit], lo: int, hi: int, lexicon: Lexicon) -> Subject:
    """Classify the subject noun phrase found in ``units[lo:hi]``."""
    tables = clause_tables(lexicon)
    for start in range(lo, hi):
        unit = units[start]  # (only an actor or a word in ``heads`` can be a candidate)
        if (unit.actor is not None or unit.low in tables.heads) and _is_candidate(
            tables, units, start
        ):
            break
    else:
        return Subject("none")
    while start > lo and (
        _hyphen_actor(units[start - 1].low, lexicon) is not None
        or _partisan(units[start - 1].low, lexicon) is not None
    ):
        start -= 1  # "French-led | troops", "Turkish-backed | Syrian fighters", "pro-Russian"
    end = start
    while end < hi and not _ends_noun_phrase(units, end, lexicon):
        if (
            end > start
            and units[end].low in DETERMINERS
            and units[end - 1].low not in ("of", "and", ",")
        ):
            break  # "told journalists | his men ...": a new noun phrase starts
        end += 1
    if end < hi and units[end].low in ("'s", "’s"):
        owned = next(  # "Sudan's paramilitary Rapid Support Forces": the owned group
            (k for k in range(end + 1, min(hi, end + 4)) if _named_group(units[k])),
            None,
        )
        if owned is not None:
            end = owned + 1
    np = units[start:end] if end > start else units[start : start + 1]
    end = max(end, start + 1)
    subject = Subject("other", start=start, end=end)
    subject.definite = start > lo and units[start - 1].low in (
        "the",
        "this",
        "that",
        "these",
        "those",
        "his",
        "its",
        "their",
    )
    lows = [u.low for u in np]
    backing = _backing_phrase(lows)
    if backing is not None:  # "Iraqi forces backed by U.S.-led airstrikes": who backs whom
        subject.backers = _actors_in(np[backing:], lexicon)
        np = np[:backing]
    actors: list[str] = []
    qualified: set[int] = set()
    for position, unit in enumerate(np):
        compound = _hyphen_actor(unit.low, lexicon)
        if compound is not None:  # "French-led troops" act; "Turkish-backed" ones are backed
            role, name = compound
            if role == "leads" and name not in actors and not actors:
                actors.append(name)
            elif role == "backs" and name not in subject.backers:
                subject.backers.append(name)
            continue
        partisan = _partisan(unit.low, lexicon)
        if partisan is not None:  # "pro-Russian troops": a force of its own, named so
            subject.groups.append(partisan)
            continue
        if unit.actor is None or position in qualified:
            continue
        following = np[position + 1] if position + 1 < len(np) else None
        if (
            unit.actor.type == "demonym"
            and following is not None
            and following.actor is not None
            and following.actor.type == "group"
            and lexicon.word("against_state", following.actor.actor.lower())
        ):
            # "Syrian rebels": a group against the state, named with its nationality,
            # not the state the demonym stands for
            subject.groups.append(f"{unit.text} {following.actor.actor}")
            qualified.add(position + 1)
            continue
        if unit.actor.type == "group":
            subject.groups.append(unit.actor.actor)
            continue
        if position > 0 and lexicon.word("locative", np[position - 1].low):
            continue  # "rebels in Ukraine": where the force is, not who it is
        coordinated = position > 0 and np[position - 1].low in ("and", ",") and actors
        if (not actors or coordinated) and unit.actor.actor not in actors:
            actors.append(unit.actor.actor)
    if subject.backers and actors and not subject.groups:
        # "Turkish-backed Syrian fighters": a proxy force, not the state its name is from
        demonyms = [u for u in np if u.actor is not None and u.actor.type == "demonym"]
        if demonyms and np[-1].actor is None and np[-1].is_word:
            subject.groups.append(f"{demonyms[0].text} {np[-1].low}")
            actors = []
    named_group = next(
        (k for k, u in enumerate(np) if _named_group(u)),
        None,
    )
    if named_group is not None and actors and "and" not in lows[:named_group]:
        # "Sudan's paramilitary RSF", "Russia's Wagner Group": the group is the head
        actors = []
    subject.actors = actors
    subject.places = [u for u in np if u.place is not None and not u.reference]
    head = np[-1].low
    if head in tables.person and head not in tables.force:
        subject.kind = "person"
        return subject
    if not tables.force.isdisjoint(lows) or subject.groups:
        subject.kind = "force"
        owner_words = [*lows, units[start - 1].low if start > lo else ""]
        subject.possessive_pronoun = not actors and any(w in ("its", "their") for w in owner_words)
        return subject
    if not tables.person.isdisjoint(lows) or head in ("he", "she", "i", "you"):
        subject.kind = "person"
    elif actors:
        subject.kind = "state"
    elif head in ("they", "it", "we"):
        subject.kind = "pronoun"
    return subject


#: Words that, before "by" or "with", start the phrase naming who backs a force.
_BACKING = frozenset({"backed", "supported", "aided", "assisted", "armed", "allied", "aligned"})
_HYPHEN_ROLE = re.compile(
    r"(?P<who>[\w.'’]+?)-(?P<role>led|commanded|backed|supported|sponsored|allied|aligned|armed)$"
)


def _backing_phrase(lows: Sequence[str]) -> int | None:
    """Where "backed by ..." (or "supported by", "allied with") starts in a noun phrase."""
    for k in range(1, len(lows) - 1):
        if lows[k] in _BACKING and lows[k + 1] in ("by", "with", "to"):
            return k
    return None


def _hyphen_actor(low: str, lexicon: Lexicon) -> tuple[str, str] | None:
    """("leads", X) for "X-led"/"X-commanded", ("backs", X) for "X-backed" and the like,
    where X names a state or force in the actors data; else None."""
    match = _HYPHEN_ROLE.match(low)
    if match is None:
        return None
    entry = lexicon.actor_for(match["who"]) or lexicon.actor_for(match["who"].upper())
    if entry is None or entry.type not in ("state", "demonym", "capital", "group", "org"):
        return None
    role = "leads" if match["role"] in ("led", "commanded") else "backs"
    return role, entry.actor


def _actors_in(units: Sequence[Unit], lexicon: Lexicon) -> list[str]:
    """The forces a run of units names, plain or in "X-led" compounds, in order."""
    found: list[str] = []
    for unit in units:
        compound = _hyphen_actor(unit.low, lexicon)
        name = compound[1] if compound else (unit.actor.actor if unit.actor else None)
        if name is not None and name not in found:
            found.append(name)
    return found


def _partisan(low: str, lexicon: Lexicon) -> str | None:
    """ "pro-Russian" -> "pro-Russian forces": forces siding with a state, not the state."""
    if not low.startswith("pro-"):
        return None
    entry = lexicon.actor_for(low[4:])
    if entry is None or entry.type not in ("state", "demonym"):
        return None
    return f"pro-{entry.term} forces"


def _named_group(unit: Unit) -> bool:
    """A group with a proper name ("RSF", "Wagner Group"), not a word such as "rebels"."""
    return unit.actor is not None and unit.actor.type == "group" and unit.actor.actor[:1].isupper()


def _ends_noun_phrase(units: Sequence[Unit], index: int, lexicon: Lexicon) -> bool:
    low = units[index].low
    if units[index].actor is not None or units[index].place is not None:
        return False
    tables = clause_tables(lexicon)
    if low in tables.aux_or_be or low in (",", ";", ":", '"'):
        return low not in ("all", "both", "some", "each")
    return low in tables.speech


def passive_patient(
    units: Sequence[Unit], lo: int, index: int, lexicon: Lexicon, fallback: Subject
) -> Subject:
    """The noun phrase a passive verb is about: the last one before its auxiliaries."""
    tables = clause_tables(lexicon)
    last = next(
        (
            k
            for k in range(index - 1, lo, -1)
            if _is_candidate(tables, units, k) or units[k].place is not None
        ),
        None,
    )
    if last is None:
        return fallback
    start = last
    stops = tables.passive_stops
    while start - 1 > lo:
        low = units[start - 1].low
        if low in tables.aux_or_be or low in stops or low in (",", "and", "that"):
            break
        start -= 1
    patient = analyse_subject(units, start, index, lexicon)
    if units[last].place is not None:
        if patient.kind == "none":
            patient = Subject("other", start=last, end=last + 1, places=[units[last]])
        elif not patient.places:  # "the town of Tyre came under fire"
            patient.places = [units[last]]
    return patient


def who_antecedent(units: Sequence[Unit], who: int, lexicon: Lexicon) -> Subject:
    lo, _ = left_boundary(units, who, lexicon)
    return analyse_subject(units, lo + 1, who, lexicon)


def nearest_actor_left(units: Sequence[Unit], index: int, groups: bool = False) -> str | None:
    for unit in reversed(units[:index]):
        if unit.actor is not None and (groups or unit.actor.type != "group"):
            return unit.actor.actor
    return None


def sentence_org(units: Sequence[Unit]) -> str | None:
    for unit in units:
        if unit.actor is not None and unit.actor.type == "org":
            return unit.actor.actor
    return None


# -- status ------------------------------------------------------------------------------
def _verb_group(units: Sequence[Unit], subject: Subject, lo: int, index: int) -> tuple[int, int]:
    start = subject.end if subject.end > 0 else lo + 1
    for j in range(index - 1, start - 1, -1):
        if units[j].low in ("and", "or", ","):
            return j + 1, index
    return start, index


def _negated(units: Sequence[Unit], start: int, index: int, lexicon: Lexicon) -> bool:
    """A negator in the verb group with only auxiliaries between it and the trigger."""
    negators = phrase_index(lexicon.cues.get("negation", ()))
    if not has_low(units[max(start, 0) : index], negators):
        return False
    aux_or_be = clause_tables(lexicon).aux_or_be
    for j in range(start, index):
        phrase = indexed_phrase_at(units, j, negators)
        if phrase is None:
            continue
        between = units[j + len(phrase) : index]
        if all(
            u.low in aux_or_be
            or u.low in _NEGATION_TRANSPARENT
            or u.low in ("to", "yet", "even", "ever", "actually", "really", "longer")
            for u in between
        ):
            return True
    return False


def _prevented(units: Sequence[Unit], lo: int, index: int, lexicon: Lexicon) -> bool:
    if index == 0 or units[index - 1].low != "from":
        return False
    return has_cue(units, max(lo, 0), index, lexicon.cues.get("prevent", ()))


def _directive(units: Sequence[Unit], index: int, lexicon: Lexicon) -> bool:
    """Inside a demand: "urged Moscow to pull out", "demanded that Moscow pull troops"."""
    tables = clause_tables(lexicon)
    if not has_low(units[:index], tables.directive):
        return False  # no demand before the trigger
    for j in range(index - 1, -1, -1):
        low = units[j].low
        if low in (",", ";", ":") or low in tables.hard:
            return False
        phrase = indexed_phrase_at(units, j, tables.directive)
        if phrase is not None:
            tail = [u.low for u in units[j + len(phrase) : index]]
            return "to" in tail or "that" in tail or (bool(tail) and len(tail) <= 4)
    return False


def _speaker_neutral(words: Sequence[Unit], lexicon: Lexicon) -> bool:
    text = " " + " ".join(map(unit_low, words)) + " "
    return any(map(text.__contains__, clause_tables(lexicon).neutral_speakers))


def _attribution(units: Sequence[Unit], hit: Hit, end: int, lexicon: Lexicon) -> str:
    """``claimed`` when a party is quoted for the clause, else ``reported``."""
    tables = clause_tables(lexicon)
    for j in range(hit.first - 1, -1, -1):
        low = units[j].low
        if low not in tables.speech:
            continue
        if low in tables.perception:
            return "reported"
        if low in tables.communication:
            if low == "according":
                speaker = list(units[j + 2 : j + 10])
            else:
                lo, _ = left_boundary(units, j, lexicon)
                speaker = list(units[lo + 1 : j]) or list(units[j + 1 : j + 8])
            return "reported" if _speaker_neutral(speaker, lexicon) else "claimed"
    tail_start = max(end, hit.last + 1)
    for j in range(tail_start, len(units)):
        if units[j].low == "according" and j + 1 < len(units) and units[j + 1].low == "to":
            return "reported" if _speaker_neutral(units[j + 2 : j + 10], lexicon) else "claimed"
    commas = [j for j in range(tail_start, len(units)) if units[j].low == ","]
    if commas:
        tail = units[commas[-1] + 1 :]
        if len(tail) <= 10 and has_low(tail, tables.communication):
            return "reported" if _speaker_neutral(tail, lexicon) else "claimed"
    return "reported"


_WITHOUT_WOULD: dict[int, tuple[Lexicon, tuple[Phrase, ...]]] = {}


def _without_would(lexicon: Lexicon) -> tuple[Phrase, ...]:
    """Hypothetical cues except "would" (which is a reported future after "said")."""
    cached = _WITHOUT_WOULD.get(id(lexicon))
    if cached is None or cached[0] is not lexicon:
        phrases = tuple(p for p in lexicon.cues.get("hypothetical", ()) if p != ("would",))
        cached = _WITHOUT_WOULD[id(lexicon)] = (lexicon, phrases)
    return cached[1]


def decide_status(
    units: Sequence[Unit],
    hit: Hit,
    lo: int,
    btype: str,
    subject: Subject,
    noun: bool,
    end: int,
    lexicon: Lexicon,
) -> str | None:
    """The event's status, or None when the clause is negated or a demand."""
    cues = lexicon.cues
    index = hit.first
    group_start, _ = _verb_group(units, subject, lo, index)
    if noun:
        if has_low(units[max(lo + 1, index - 4) : index], ("no",)):
            return None
        if has_cue(
            units, max(lo + 1, index - 6), index, (("no", "sign", "of"), ("no", "evidence", "of"))
        ):
            return None
    elif _negated(units, group_start, index, lexicon) or _prevented(units, lo, index, lexicon):
        return None
    if _directive(units, index, lexicon):
        return None
    if has_cue(units, 0, index, cues.get("deny", ())):
        return "denied"
    window_lo = lo + 1
    tables = clause_tables(lexicon)
    if btype in ("subordinator:if", "subordinator:unless", "subordinator:whether", "cognition"):
        return "hypothetical"
    hypothetical = _without_would(lexicon)
    if has_cue(units, window_lo, index, hypothetical):
        return "hypothetical"
    if has_cue(units, window_lo, index, (("would",),)):
        reported_future = has_low(units[:index], tables.communication)
        return "planned" if reported_future else "hypothetical"
    if has_low(units[:index], tables.cognition) and has_cue(
        units, 0, index, (("may",), ("might",), ("could",))
    ):
        return "hypothetical"
    if has_cue(units, window_lo, index, cues.get("planned", ())):
        return "planned"
    if noun:
        after = _verb_after_noun(units, hit, lexicon)
        if has_cue(units, after, after + 3, hypothetical):
            return "hypothetical"
        if has_cue(units, after, after + 3, cues.get("planned", ())):
            return "planned"
    if not noun and index > 0 and units[index - 1].low == "to":
        governing = units[index - 2].low if index > 1 else ""
        if governing not in _ASPECTUAL_TO and not lexicon.word("aspectual", governing):
            return "planned"
    return _attribution(units, hit, end, lexicon)


# -- dates -------------------------------------------------------------------------------
def _verb_after_noun(units: Sequence[Unit], hit: Hit, lexicon: Lexicon) -> int:
    """Where the verb group after a nominal trigger starts ("the swap *is planned* ...")."""
    tables = clause_tables(lexicon)
    for k in range(hit.last + 1, min(len(units), hit.last + 10)):
        low = units[k].low
        if low in tables.aux_or_be:
            return k
        if low in (",", ";", ".") or low in tables.relative:
            break
    return len(units)


def _unit_at(units: Sequence[Unit], offset: int) -> int:
    for k, unit in enumerate(units):
        if unit.end > offset:
            return k
    return len(units)


#: How far after its report a stated day may fall before a past event's yearless day is
#: read as last year's ("was occupied on March 2" in a November report).
_FUTURE_SLACK = timedelta(days=7)


def _reported_in_the_past(
    mention: DateMention, published: date | None, status: str
) -> ResolvedDate:
    """A day without a year, for an event reported as done, is on or before the report."""
    resolved = mention.resolved
    when = resolved.date
    if (
        published is None
        or when is None
        or status not in ("reported", "claimed", "denied")
        or mention.kind not in ("month_day", "day_month")
        or re.search(r"\d{4}", mention.text)
        or when <= published + _FUTURE_SLACK
    ):
        return resolved
    try:
        earlier = when.replace(year=when.year - 1)
    except ValueError:  # 29 February
        earlier = when.replace(year=when.year - 1, day=28)
    end = resolved.end.replace(year=earlier.year) if resolved.end is not None else None
    return ResolvedDate(earlier, resolved.precision, end or earlier)


def choose_date(
    units: Sequence[Unit],
    hit: Hit,
    lo: int,
    btype: str,
    args: Args,
    noun: bool,
    dates: Sequence[DateMention],
    published: date | None,
    lexicon: Lexicon,
    status: str = "reported",
) -> tuple[ResolvedDate | None, str]:
    """The date of the clause: in it, in a simultaneous matrix clause, a sentence-initial
    adverbial, or the publication date for a present-tense statement."""
    if not dates and published is None:
        return None, ""
    placed = [(_unit_at(units, d.start), d) for d in dates if d.resolved.known]
    region_end = min(args.end, max(args.last_place, hit.last) + 5)
    inside = [(abs(k - hit.first), d) for k, d in placed if lo < k < region_end]
    if inside:
        chosen = min(inside, key=lambda pair: pair[0])[1]
        return _reported_in_the_past(chosen, published, status), "clause"
    if btype in ("subordinator:as", "subordinator:when", "subordinator:while", "perception"):
        outer, _ = left_boundary(units, max(lo, 0), lexicon)
        matrix = [(lo - k, d) for k, d in placed if outer < k < lo]
        if matrix:
            return min(matrix, key=lambda pair: pair[0])[1].resolved, "matrix"
    if not btype.startswith("relative"):
        for k, mention in placed:
            if k <= 2 and ((k + 1 < len(units) and units[k + 1].low == ",") or k == 0):
                return mention.resolved, "sentence"
    if published is not None and status in ("reported", "claimed", "denied"):
        window = units[max(lo + 1, 0) : hit.first]
        tables = clause_tables(lexicon)
        present = lexicon.cues.get("present", ())
        state_verb = (
            not noun
            and phrase_at(units, hit.first, lexicon.cues.get("present_state", ())) is not None
        )
        modal = has_low(window[-2:], tables.aux_or_be)
        if (
            has_cue(window, 0, len(window), present)
            or has_low(window[-3:], _PRESENT_BE)
            or (state_verb and not modal)
        ):
            return ResolvedDate(published, "day", published), "present"
    return None, ""

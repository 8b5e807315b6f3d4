"""Run the stages in order; the one entry point the CLI and the notebook call.

articles -> mentions -> events + claims -> checks -> feature frames -> (render/export)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from geo.engine._spool import Spool
from geo.models import Article, ArticleInfo, Check, Claim, Event, Mention, Place, RunSummary
from geo.settings import DEFAULT_REFERENCE, Settings

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.engine._parallel import Analysed, Mapper
    from geo.features import Corrections, PlaceTally
    from geo.gazetteer import Gazetteer
    from geo.text import Skipped

log = logging.getLogger(__name__)


@dataclass
class Result:
    """Everything one run produced, stage by stage.

    The articles' texts are not kept (``articles`` holds their metadata): what a run found
    carries its own quotes. What grows with the corpus (``articles``, ``mentions``,
    ``events``, ``claims``) is a
    :class:`~geo.engine._spool.Spool`, which moves to a temporary file as it grows, so a
    large corpus need not stay in memory; read it by iterating.
    """

    settings: Settings
    reference: Place
    #: How the reference was chosen: "given", "focus country XX" or "default".
    reference_basis: str = "given"
    articles: Spool[ArticleInfo] = field(default_factory=Spool)
    mentions: Spool[Mention] = field(default_factory=lambda: Spool(shared=(Place,)))
    events: Spool[Event] = field(default_factory=lambda: Spool(shared=(Place,)))
    claims: Spool[Claim] = field(default_factory=lambda: Spool(shared=(Place,)))
    #: One check per claim, then the conflicts (a :class:`~geo.claims.Checks`).
    checks: Sequence[Check] = field(default_factory=list)
    summary: RunSummary = field(default_factory=RunSummary)
    #: The reviewer's corrections (``settings.corrections``) and what they applied to.
    corrections: Corrections | None = None
    _frames: dict[str, gpd.GeoDataFrame] = field(default_factory=dict, repr=False)
    _tallies: list[PlaceTally] | None = field(default=None, repr=False)

    @property
    def events_frame(self) -> gpd.GeoDataFrame:
        """Merged event features (DESIGN.md contract), one row per feature."""
        if "events" not in self._frames:
            from geo.features import events_to_frame

            self._frames["events"] = events_to_frame(
                self.events,
                self.reference,
                claims=self.claims,
                corrections=self.corrections,
                articles=self.articles,
            )
            if self.corrections is not None:
                self.corrections.report()
        return self._frames["events"]

    @property
    def places_frame(self) -> gpd.GeoDataFrame:
        """One point per resolved toponym mention."""
        if "places" not in self._frames:
            from geo.features import mentions_to_frame

            self._frames["places"] = mentions_to_frame(self.mentions, self.reference)
        return self._frames["places"]

    @property
    def place_tallies(self) -> list[PlaceTally]:
        """Mentions counted per distinct place (the map's place layer)."""
        if self._tallies is None:
            from geo.features import tally_mentions

            self._tallies = tally_mentions(self.mentions, self.reference)
        return self._tallies

    @property
    def estimates_frame(self) -> gpd.GeoDataFrame:
        """Estimated locations of unnamed things (rings/arcs from distance claims)."""
        if "estimates" not in self._frames:
            from geo.features import estimates_to_frame

            self._frames["estimates"] = estimates_to_frame(self.events, self.claims)
        return self._frames["estimates"]


def load_gazetteer(settings: Settings) -> Gazetteer:
    from geo.gazetteer import Gazetteer

    return Gazetteer.load(settings.gazetteer_path, world=settings.world, imported=settings.imported)


def load_corrections(settings: Settings, gazetteer: Gazetteer) -> Corrections | None:
    """The settings' corrections file, read and its places looked up (before any work)."""
    if settings.corrections is None:
        return None
    from geo.features import read_corrections

    corrections = read_corrections(settings.corrections)
    corrections.resolve_places(gazetteer.get)
    return corrections


def analysed(
    articles: Iterable[Article],
    gazetteer: Gazetteer,
    settings: Settings | None = None,
    mapper: Mapper | None = None,
) -> Iterator[tuple[Article, Analysed]]:
    """Each article with what the per-article stages found in it (or why it was skipped),
    as they are analysed, in input order (``settings.jobs`` processes, or ``mapper``)."""
    from geo.engine._parallel import Analyser, analyse_each

    if mapper is not None:
        return iter(mapper(articles))
    jobs = (settings or Settings()).jobs
    return analyse_each(articles, Analyser(gazetteer, (settings or Settings()).geocoder), jobs=jobs)


def analyse_articles(
    articles: Iterable[Article],
    gazetteer: Gazetteer,
    settings: Settings | None = None,
    mapper: Mapper | None = None,
) -> Result:
    """Run toponyms, events and claims over articles (``settings.jobs`` processes, or
    ``mapper``: e.g. the Dask engine's). An article a stage cannot analyse is skipped with
    its reason (counted in the summary)."""
    from geo.claims import check_claims
    from geo.text import Skipped

    settings = settings or Settings()
    reference = gazetteer.resolve(settings.reference or DEFAULT_REFERENCE)
    result = Result(settings=settings, reference=reference)
    result.corrections = load_corrections(settings, gazetteer)
    failed: list[tuple[str, str]] = []
    for article, output in analysed(articles, gazetteer, settings, mapper):
        if isinstance(output, Skipped):
            log.warning("skipped %s", output.reason)
            failed.append((output.where, output.reason))
            continue
        result.articles.append(ArticleInfo.of(article))
        mentions = list(output.mentions)
        if result.corrections is not None:
            from geo.features import correct_mentions

            correct_mentions(mentions, result.corrections)
        result.mentions.extend(mentions)
        result.events.extend(output.events)
        result.claims.extend(output.claims)
    result.checks = check_claims(result.claims, settings.tolerance)
    if settings.reference is None:
        result.reference, result.reference_basis = corpus_reference(result.mentions, gazetteer)
    result.summary = RunSummary(
        read=len(result.articles) + len(failed),
        processed=len(result.articles),
        skipped=tuple(failed),
    )
    log.info(
        "pipeline: %d articles, %d mentions, %d events, %d claims",
        len(result.articles),
        len(result.mentions),
        len(result.events),
        len(result.claims),
    )
    return result


def corpus_reference(mentions: Iterable[Mention], gazetteer: Gazetteer) -> tuple[Place, str]:
    """The capital of the country the reports are about (their focus country, weighed over
    every place they name), else :data:`DEFAULT_REFERENCE`; with how it was chosen."""
    from geo.toponyms import focus_country

    focus = focus_country(mentions)
    if focus is not None:
        capital = gazetteer.capital_of(focus[0])
        if capital is not None:
            return capital, f"focus country {focus[0]}"
    return gazetteer.resolve(DEFAULT_REFERENCE), "default"


def inputs(paths: Sequence[str | Path] | None) -> list[str | Path]:
    """``paths``, or the bundled sample corpus when none are given."""
    from geo.text import sample_corpus_path

    return list(paths) if paths else [sample_corpus_path()]


def run(
    paths: Sequence[str | Path] | None = None,
    settings: Settings | None = None,
    published: date | None = None,
    gazetteer: Gazetteer | None = None,
    mapper: Mapper | None = None,
    exclude: Sequence[str | Path] = (),
) -> Result:
    """Read ``paths`` (default: the bundled sample corpus) and run every stage; nothing
    under the ``exclude`` folders (the run's own output folder) is read."""
    from geo.text import iter_articles

    settings = settings or Settings()
    gazetteer = gazetteer or load_gazetteer(settings)
    gazetteer.resolve(settings.reference or DEFAULT_REFERENCE)  # fail fast on a bad --reference
    articles = iter_articles(inputs(paths), published, exclude)
    return analyse_read(articles, gazetteer, settings, mapper)


def analyse_read(
    items: Iterable[Article | Skipped],
    gazetteer: Gazetteer,
    settings: Settings,
    mapper: Mapper | None = None,
) -> Result:
    """Analyse articles as they are read (``items`` may hold skips with their reasons), with
    every input accounted for in the summary: read, processed, skipped while reading or
    by a stage."""
    from geo.text import Batch

    batch = Batch()
    result = analyse_articles(batch.stream(items), gazetteer, settings, mapper=mapper)
    result.summary = RunSummary(
        read=batch.read,
        processed=len(result.articles),
        skipped=(*batch.skipped, *result.summary.skipped),
    )
    return result

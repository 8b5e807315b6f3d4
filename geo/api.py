"""The public Python API: reports in, a :class:`Result` with frames, checks and a map out.

The CLI is a thin layer over these functions::

    import geo

    result = geo.extract("Russian troops left Gori for Tskhinvali on Tuesday.",
                         published="2008-08-19")
    result.events          # GeoDataFrame, one row per mapped feature
    result.explore()       # folium.Map, shows inline in Jupyter
    result.to_files("out") # the same set of files as ``geo map -o out``
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import GeoValueError, InputError
from geo.settings import DEFAULT_REFERENCE, OUTPUT_FORMATS, Settings

if TYPE_CHECKING:
    import folium
    import geopandas as gpd
    import pandas as pd

    from geo.engine import Result as Run
    from geo.gazetteer import Gazetteer
    from geo.models import Article, Place

log = logging.getLogger(__name__)

#: What :func:`extract` takes as one source.
Source = str | Path | Mapping[str, Any]


class Result:
    """What :func:`extract` found in a set of reports.

    Attributes are computed once, on first use. ``run`` is the pipeline's own record (the
    mentions, events, claims and checks as objects) for those who need more than frames.
    """

    def __init__(self, run: Run) -> None:
        self.run = run

    def __repr__(self) -> str:
        """Show the reports read and what was found, on one line."""
        summary = self.summary
        return (
            f"<geo.Result: {summary['processed']} of {summary['read']} reports, "
            f"{len(self.events)} event features, {len(self.run.claims)} distance claims>"
        )

    @property
    def events(self) -> gpd.GeoDataFrame:
        """Event features in EPSG:4326, one row per feature (see the README's contract)."""
        return self.run.events_frame

    @property
    def places(self) -> gpd.GeoDataFrame:
        """One point per resolved place mention, in EPSG:4326."""
        return self.run.places_frame

    @property
    def checks(self) -> pd.DataFrame:
        """The rows of ``checks.csv``: one per distance claim, one per conflict."""
        import pandas as pd

        from geo.claims import CHECK_COLUMNS, check_rows

        return pd.DataFrame(check_rows(self.run.checks), columns=list(CHECK_COLUMNS))

    @property
    def reference(self) -> Place:
        """The reference place distances are measured from."""
        return self.run.reference

    @property
    def summary(self) -> dict[str, Any]:
        """Reports read, processed and skipped (each skip with its input and reason)."""
        summary = self.run.summary
        return {
            "read": summary.read,
            "processed": summary.processed,
            "skipped": [{"input": where, "reason": why} for where, why in summary.skipped],
        }

    def explore(self, *, offline: bool | None = None, **kwargs: Any) -> folium.Map:
        """Draw the layered map of ``geo map`` as a :class:`folium.Map` (inline in Jupyter).

        Parameters
        ----------
        offline : bool, optional
            Inline every script and draw offline outlines instead of tiles (default: the
            run's settings).
        **kwargs
            Passed on to :class:`folium.Map` (for example ``width``, ``height``,
            ``zoom_start``); ``tiles`` adds that tile layer as the base map.

        Returns
        -------
        folium.Map
        """
        from geo.map import build_map

        chosen = self.run.settings.offline if offline is None else offline
        return build_map(self.run, offline=chosen, **kwargs)

    def to_files(
        self,
        directory: str | Path,
        formats: Iterable[str] = ("geojson",),
        *,
        offline: bool | None = None,
    ) -> list[Path]:
        """Write the same set of files as ``geo map -o directory`` and return their paths.

        Parameters
        ----------
        directory : str or Path
            The output folder (created when missing); written as one set, ``run.json`` last.
        formats : iterable of str
            Data formats beside the map: ``geojson`` (always), ``gpkg``, ``csv``,
            ``parquet``, ``acled`` (acled.csv), ``kml`` (events.kml).
        offline : bool, optional
            Write a self-contained map (default: the run's settings).

        Returns
        -------
        list of Path
            Every file written, ``run.json`` last.
        """
        chosen = tuple(formats)
        unknown = sorted(set(chosen) - set(OUTPUT_FORMATS))
        if unknown:
            raise GeoValueError(
                f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(OUTPUT_FORMATS)}"
            )
        with_geojson = ("geojson", *(f for f in chosen if f != "geojson"))
        return write_files(
            self.run,
            Path(directory),
            formats=with_geojson,
            offline=self.run.settings.offline if offline is None else offline,
        )


def extract(
    sources: Source | Iterable[Source],
    *,
    published: str | date | None = None,
    reference: str | None = None,
    gazetteer: Gazetteer | str | Path | None = None,
    settings: Settings | None = None,
    corrections: str | Path | None = None,
) -> Result:
    """Find the places, events and distance claims in reports, and check the distances.

    Parameters
    ----------
    sources : str, Path, mapping, or an iterable of them
        Report text; a path to a file or folder (``.txt``/``.md`` with optional front
        matter, ``.html``, ``.jsonl``); or a mapping with the JSONL fields (``text``, and
        optionally ``id``, ``source``, ``published``, ``title``, ``url``). A string is a
        path only when it is one line naming an existing file or folder.
    published : str or date, optional
        The date of reports that state none (ISO ``YYYY-MM-DD``).
    reference : str, optional
        The place distances are measured from (default: the settings'; when they give
        none, the capital of the reports' focus country, else Tbilisi).
    gazetteer : Gazetteer, str or Path, optional
        A loaded gazetteer, or the path of a curated gazetteer CSV.
    settings : Settings, optional
        Every other option (tolerance, jobs, world gazetteer, formats).
    corrections : str or Path, optional
        A reviewer's corrections file (YAML, see the README), applied after analysis; the
        same as ``Settings(corrections=...)``.

    Returns
    -------
    Result
        Frames, checks, a summary, ``explore()`` and ``to_files()``.

    Raises
    ------
    GeoValueError
        A bad option (an unreadable date, an empty source list, a malformed corrections
        file).
    InputError
        A path that does not exist.
    UnknownPlaceError
        A reference the gazetteer does not know.
    """
    from dataclasses import replace

    from geo.engine import analyse_read, load_gazetteer
    from geo.gazetteer import Gazetteer as GazetteerClass
    from geo.text import parse_date

    settings = settings or Settings()
    if reference is not None:
        settings = replace(settings, reference=reference)
    if isinstance(gazetteer, (str, Path)):
        settings = replace(settings, gazetteer_path=str(gazetteer))
    if corrections is not None:
        settings = replace(settings, corrections=str(corrections))
    when = parse_date(published, "published") if published is not None else None
    loaded = gazetteer if isinstance(gazetteer, GazetteerClass) else load_gazetteer(settings)
    loaded.resolve(settings.reference or DEFAULT_REFERENCE)  # fail fast on an unknown one
    return Result(analyse_read(_articles(sources, when), loaded, settings))


def _articles(sources: Source | Iterable[Source], published: date | None) -> Iterator[Any]:
    """Articles (or skips) from every source, in order."""
    from geo.errors import ArticleError
    from geo.text import Skipped, article_from_record, iter_articles

    items = [sources] if isinstance(sources, (str, Path, Mapping)) else list(sources)
    if not items:
        raise GeoValueError("extract() needs at least one report text, path or record")
    for number, item in enumerate(items, start=1):
        if isinstance(item, Mapping):
            where = f"record {number}"
            try:
                yield article_from_record(dict(item), f"record-{number}", where, published)
            except ArticleError as exc:
                yield Skipped(where, str(exc))
        elif isinstance(item, Path) or _names_a_path(item):
            path = Path(item)
            if not path.exists():
                raise InputError(f"{path}: no such file or folder")
            yield from iter_articles([path], published)
        elif isinstance(item, str):
            yield _text_article(item, f"text-{number}", published)
        else:
            raise GeoValueError(
                f"source {number} is a {type(item).__name__}; give report text, a path or a "
                "mapping with a 'text' field"
            )


def _names_a_path(item: object) -> bool:
    if not isinstance(item, str) or "\n" in item or not item.strip() or len(item) > 4096:
        return False
    try:
        return Path(item).exists()
    except (OSError, ValueError):
        return False


def _text_article(text: str, doc: str, published: date | None) -> Article:
    from geo.text import article_from_record

    return article_from_record({"text": text}, doc, doc, published)


def write_files(
    run: Run,
    directory: Path,
    formats: Iterable[str] = ("geojson",),
    offline: bool = False,
    extra: Iterable[Any] = (),
) -> list[Path]:
    """Write a run's set of files into ``directory``, the set ``geo map`` writes.

    Returns the paths of the set, ``run.json`` last. Every file is staged and the set
    committed at the end (``run.json`` last): a failure or a kill leaves the folder's
    previous complete set, or no ``run.json``, never half a file. ``extra`` are callables
    ``(workdir) -> Path`` that add files to the same set.
    """
    from geo.io import OutputSet, atomic_write_text, ensure_writable, write_outputs
    from geo.map import build_map, map_html

    ensure_writable(directory)
    page = map_html(build_map(run, offline=offline))
    with OutputSet(directory) as outputs:
        write_outputs(run, outputs.workdir, formats=formats)
        for add in extra:
            add(outputs.workdir)
        atomic_write_text(outputs.path("map.html"), page)
        return outputs.commit(run_record(run))


def run_record(run: Run) -> dict[str, object]:
    """Summarise a run for run.json.

    Every input is accounted for, with what made the run: the package version, the
    settings, the SHA-256 of each input file and gazetteer.
    """
    from geo import __version__
    from geo.io import gazetteer_records, input_records, settings_record
    from geo.text import clean_text

    summary = run.summary
    record: dict[str, object] = {
        "version": __version__,
        "read": summary.read,
        "processed": summary.processed,
        "skipped": [
            {"input": clean_text(where), "reason": clean_text(reason)}
            for where, reason in summary.skipped
        ],
        "mentions": len(run.mentions),
        "events": len(run.events),
        "features": len(run.events_frame),
        "claims": len(run.claims),
        "reference": run.reference.name,
        "reference_id": run.reference.id,
        "reference_basis": run.reference_basis,
        "settings": settings_record(run.settings),
        "inputs": [
            {**entry, "path": clean_text(entry["path"])}
            for entry in input_records(info.path for info in run.articles)
        ],
        "gazetteers": [
            {**entry, "path": clean_text(entry["path"])} if "path" in entry else entry
            for entry in gazetteer_records(run.settings)
        ],
    }
    if run.corrections is not None:
        run.events_frame  # noqa: B018 (applies the corrections, if not done yet)
        run.corrections.report()
        record["corrections"] = _json_safe(run.corrections.record())
    return record


def _json_safe(value: Any) -> Any:
    """``value`` with every text cleaned of lone surrogates and NULs (writable as UTF-8)."""
    from geo.text import clean_text

    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value

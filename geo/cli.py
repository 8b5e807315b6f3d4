"""Command line: ``geo map | places | check | verify | gazetteer``.

``parse_args(argv)`` is pure and testable; ``main(argv)`` runs a verb, catches
:class:`GeoError` only, prints one line and returns its exit code. Heavy imports happen
inside the verbs so that ``geo --help`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from geo import __version__
from geo.errors import GazetteerError, GeoError, GeoValueError, InputError, OutputError
from geo.settings import DEFAULT_REFERENCE, OUTPUT_FORMATS, GeocoderSpec, Settings, Tolerance
from geo.terminal import PrintableFormatter, json_printable, printable

if TYPE_CHECKING:
    from geo.engine import Result

log = logging.getLogger("geo")

FORMATS = OUTPUT_FORMATS


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; use YYYY-MM-DD") from None


def _formats(value: str) -> tuple[str, ...]:
    chosen = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(unknown) or value!r}; choose from {', '.join(FORMATS)}"
        )
    return chosen


def _positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return int(value)


def _add_corpus_options(parser: argparse.ArgumentParser) -> None:
    _add_noise_options(parser)
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or folders (.txt .md .html .jsonl); default: the bundled sample corpus",
    )
    parser.add_argument(
        "--published",
        type=_date,
        metavar="DATE",
        help="publication date (YYYY-MM-DD) for reports that state none",
    )
    parser.add_argument(
        "--reference",
        default=None,
        metavar="PLACE",
        help="place distances are measured from (default: the capital of the reports' "
        f"focus country, else {DEFAULT_REFERENCE})",
    )
    _add_gazetteer_options(parser)
    _add_geocoder_options(parser)
    parser.add_argument(
        "--tolerance-km",
        type=float,
        default=Tolerance().absolute_km,
        metavar="KM",
        help="absolute tolerance of a distance check (default: %(default)s)",
    )
    parser.add_argument(
        "--tolerance-pct",
        type=float,
        default=Tolerance().relative * 100,
        metavar="PCT",
        help="relative tolerance of a distance check, percent of the computed distance "
        "(default: %(default)s)",
    )


def _add_gazetteer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--gazetteer",
        action="append",
        default=[],
        metavar="CSV|NAME",
        help="a curated gazetteer CSV (default: gazetteer.csv), or the name of a gazetteer "
        "imported with 'geo gazetteer import' (used beside the curated rows and the world); "
        "repeatable",
    )
    parser.add_argument(
        "--no-world", action="store_true", help="leave out the GeoNames world extension"
    )


def _non_negative(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number >= 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds (0 or more)")
    return number


def _add_geocoder_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--geocoder",
        metavar="SERVICE",
        help="online fallback (opt-in): a geopy geocoder, e.g. nominatim, asked for names "
        "the offline gazetteers lack, within the document's focus country; answers are "
        "cached, so a later run is repeatable offline",
    )
    parser.add_argument(
        "--geocoder-url", metavar="URL", help="the geocoder's server (a self-hosted one)"
    )
    parser.add_argument(
        "--geocoder-delay",
        type=_non_negative,
        default=1.0,
        metavar="S",
        help="least seconds between two requests (default: %(default)s)",
    )
    parser.add_argument(
        "--geocoder-timeout",
        type=_non_negative,
        default=10.0,
        metavar="S",
        help="seconds to wait for one answer (default: %(default)s)",
    )


def _geocoder_spec(args: argparse.Namespace) -> GeocoderSpec | None:
    """The online fallback the options ask for, checked (an unknown service: exit 2)."""
    if not args.geocoder:
        if args.geocoder_url:
            raise GeoValueError("--geocoder-url needs --geocoder (e.g. --geocoder nominatim)")
        return None
    from geo.gazetteer import geocoder_class

    geocoder_class(args.geocoder)
    if args.geocoder_timeout <= 0:
        raise GeoValueError("--geocoder-timeout must be more than 0 seconds")
    return GeocoderSpec(
        args.geocoder.lower(), args.geocoder_url, args.geocoder_delay, args.geocoder_timeout
    )


def _add_noise_options(parser: argparse.ArgumentParser, top_level: bool = False) -> None:
    """-v/-q, accepted before or after the verb (a verb's copy never resets the top level's)."""
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0 if top_level else argparse.SUPPRESS,
        help="say more (-vv: debug)",
    )
    noise.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="only errors",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geo",
        description="Turn news reports about a war into a checked map of where the forces are.",
    )
    parser.add_argument("--version", action="version", version=f"geo {__version__}")
    _add_noise_options(parser, top_level=True)
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)

    map_parser = verbs.add_parser("map", help="map reports: map.html, GeoJSON, checks.csv")
    _add_corpus_options(map_parser)
    map_parser.add_argument(
        "-o", "--output", default="output", metavar="DIR", help="output folder (default: output/)"
    )
    map_parser.add_argument(
        "--offline",
        action="store_true",
        help="a self-contained map: scripts inlined, country outlines instead of tiles",
    )
    map_parser.add_argument(
        "--format",
        type=_formats,
        default=("geojson",),
        metavar="LIST",
        help=f"data formats, comma-separated from {','.join(FORMATS)} (default: geojson)",
    )
    map_parser.add_argument(
        "--corrections",
        metavar="FILE",
        help="a reviewer's corrections (YAML): drop a feature, move a mention to another "
        "place, change an event's kind, actor, status or date, add a note; applied on "
        "every run (see README)",
    )
    map_parser.add_argument(
        "--jobs",
        type=_positive_int,
        default=1,
        metavar="N",
        help="processes: this one and N-1 workers (local Dask workers with --engine dask) "
        "(default: 1)",
    )
    map_parser.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local: this machine (--jobs processes); dask: a Dask cluster, also writes "
        "partitioned GeoParquet in DIR/parquet/ (default: local)",
    )
    map_parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler of an existing cluster (tcp://HOST:8786); implies --engine dask",
    )

    places = verbs.add_parser("places", help="list the place names found and how each resolved")
    _add_corpus_options(places)
    places.add_argument("--text", help="analyse this text instead of files")
    places.add_argument(
        "--format",
        choices=("table", "jsonl"),
        default="table",
        dest="output_format",
        help="table for people, jsonl for programs (default: table)",
    )

    check = verbs.add_parser("check", help="check every distance the reports claim")
    _add_corpus_options(check)
    check.add_argument("--text", help="check this text instead of files")
    check.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour verdicts"
    )

    verify = verbs.add_parser(
        "verify", help="check that an output folder holds one complete run (run.json hashes)"
    )
    _add_noise_options(verify)
    verify.add_argument("folder", nargs="?", default="output", help="default: output/")

    gazetteer = verbs.add_parser("gazetteer", help="look up or validate the gazetteer")
    gazetteer_verbs = gazetteer.add_subparsers(
        dest="gazetteer_verb", metavar="ACTION", required=True
    )
    lookup = gazetteer_verbs.add_parser("lookup", help="every place a name can mean")
    lookup.add_argument("name")
    _add_gazetteer_options(lookup)
    validate = gazetteer_verbs.add_parser("validate", help="check a gazetteer CSV row by row")
    validate.add_argument("csv", nargs="?")
    imports = gazetteer_verbs.add_parser(
        "import",
        help="import a GeoNames extract (XX.txt, XX.zip, allCountries.txt) or a "
        "name,lat,lon CSV into the cache, for --gazetteer NAME",
    )
    imports.add_argument("file", metavar="FILE")
    imports.add_argument("--name", help="the name to use it by (default: the file's stem)")
    imports.add_argument(
        "--country",
        default="",
        metavar="CC",
        help="ISO country code of CSV rows that have no country column",
    )
    gazetteer_verbs.add_parser("list", help="the imported gazetteers")
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``argv`` (default: ``sys.argv[1:]``); exits 2 with a usage line on bad options."""
    return build_parser().parse_args(list(argv) if argv is not None else None)


def gazetteer_sources(values: Sequence[str]) -> tuple[str | None, tuple[str, ...]]:
    """The curated CSV and the imported gazetteers' names that ``--gazetteer`` values name:
    a file is a curated CSV (one at most), any other value an imported gazetteer's name."""
    from geo.gazetteer import check_name, imported_path

    curated: list[str] = []
    imported: list[str] = []
    for value in values:
        path = Path(value)
        if path.is_file():
            _refuse_raw_extract(path)
            curated.append(value)
        elif path.suffix.lower() in (".csv", ".txt", ".zip") or "/" in value:
            raise InputError(f"{value}: no such gazetteer file")
        elif imported_path(check_name(value)).exists():
            imported.append(value)
        else:
            raise GazetteerError(
                f"{value!r} is neither a gazetteer file nor an imported gazetteer (see geo "
                f"gazetteer list); import one with: geo gazetteer import FILE --name {value}"
            )
    if len(curated) > 1:
        raise GeoValueError(
            f"--gazetteer names {len(curated)} curated CSV files ({', '.join(curated)}); "
            "give one, and import the others with geo gazetteer import"
        )
    return (curated[0] if curated else None), tuple(dict.fromkeys(imported))


def _refuse_raw_extract(path: Path) -> None:
    """A GeoNames extract given as the curated CSV: say how to use it instead."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(4096)
    except OSError:
        return  # read_curated reports it
    if first.count(b"\t") >= 10 or path.suffix.lower() == ".zip":
        raise GazetteerError(
            f"{path}: a GeoNames extract, not a curated gazetteer CSV; import it once with "
            f"geo gazetteer import {path} --name NAME, then use --gazetteer NAME"
        )


def _settings(args: argparse.Namespace, **extra: object) -> Settings:
    tolerance = Tolerance(absolute_km=args.tolerance_km, relative=args.tolerance_pct / 100.0)
    curated, imported = gazetteer_sources(args.gazetteer)
    return Settings(
        reference=args.reference,
        gazetteer_path=curated,
        world=not args.no_world,
        imported=imported,
        geocoder=_geocoder_spec(args),
        tolerance=tolerance,
        **extra,  # type: ignore[arg-type]
    )


def _run_corpus(
    args: argparse.Namespace, settings: Settings, exclude: Sequence[Path] = ()
) -> Result:
    from geo.engine import _pipeline as pipeline

    text = getattr(args, "text", None)
    if text is not None:
        from geo.models import Article

        gazetteer = pipeline.load_gazetteer(settings)
        article = Article(doc="text", text=text, published=args.published)
        return pipeline.analyse_articles([article], gazetteer, settings)
    return pipeline.run(args.paths, settings=settings, published=args.published, exclude=exclude)


def _print_summary(result: Result, out: Path | None = None, quiet: bool = False) -> None:
    """The run summary on stdout (skips and their reasons on stderr); nothing with -q."""
    if quiet:
        return
    summary = result.summary
    line = (
        f"{summary.read} read, {summary.processed} processed, {len(summary.skipped)} skipped; "
        f"{len(result.mentions)} place mentions, {len(result.events)} events, "
        f"{len(result.claims)} distance claims"
    )
    basis = result.reference_basis
    how = (
        ""
        if basis == "given"
        else f" ({'capital of the ' + basis if basis != 'default' else 'default'})"
    )
    line = f"{line}; distances from {printable(result.reference.name)}{how}"
    print(line if out is None else f"{line}; wrote {printable(out)}/")
    for _where, reason in summary.skipped:
        print(f"  skipped: {printable(reason)}", file=sys.stderr)


def cmd_map(args: argparse.Namespace) -> int:
    from geo.engine import capped_jobs
    from geo.io import ensure_writable

    use_dask = args.engine == "dask" or bool(args.scheduler)
    jobs = args.jobs if args.scheduler else capped_jobs(args.jobs)
    settings = _settings(
        args, offline=args.offline, jobs=jobs, formats=args.format, corrections=args.corrections
    )
    if args.corrections is not None:
        from geo.features import read_corrections

        read_corrections(args.corrections)  # a malformed file stops the run before any work
    if not args.output.strip():
        raise GeoValueError("-o needs a folder name (-o . for the current folder)")
    out = Path(args.output)
    ensure_writable(out)
    with _only_run_into(out):
        return _map_into(args, out, settings, use_dask)


@contextmanager
def _only_run_into(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` for the run: a second ``geo map`` into the same
    folder stops at once with exit 5 instead of mixing two sets."""
    import fcntl
    import os

    descriptor = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise OutputError(
                f"{folder}: another geo map is writing into this folder; wait for it to "
                "finish or choose another folder with -o"
            ) from exc
        yield
    finally:
        os.close(descriptor)  # (closing releases the lock)


def _map_into(args: argparse.Namespace, out: Path, settings: Settings, use_dask: bool) -> int:
    from geo.api import write_files

    extra = []
    if use_dask:
        from geo.engine import run_dask, save_partitioned

        result, partitions = run_dask(
            args.paths,
            settings,
            published=args.published,
            scheduler=args.scheduler,
            exclude=[out],
        )
        extra.append(lambda workdir: save_partitioned(result, workdir, partitions))
    else:
        result = _run_corpus(args, settings, exclude=[out])
    written = write_files(
        result, out, formats=settings.formats, offline=settings.offline, extra=extra
    )
    log.info("wrote %s", ", ".join(p.name for p in written))
    _print_summary(result, out, quiet=args.quiet)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from geo.io import verify

    problems = verify(args.folder)
    if problems:
        for problem in problems:
            print(printable(problem), file=sys.stderr)
        raise OutputError(
            f"{args.folder}: not one complete set of outputs ({len(problems)} problem(s)); "
            "run geo map again"
        )
    if not args.quiet:
        folder = printable(args.folder)
        print(f"{folder}: one complete set of outputs, every file as run.json lists it")
    return 0


def cmd_places(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.output_format == "jsonl":
        return _stream_places(args, settings)
    from geo.toponyms import format_mentions

    print(printable(format_mentions(_run_corpus(args, settings).mentions), lines=True))
    return 0


def _stream_places(args: argparse.Namespace, settings: Settings) -> int:
    """``geo places --format jsonl``: one record a mention, printed as each article is
    analysed (memory does not grow with the corpus)."""
    from geo.engine import _pipeline as pipeline
    from geo.features import mentions_to_frame
    from geo.models import Article
    from geo.text import Batch, Skipped, iter_articles

    gazetteer = pipeline.load_gazetteer(settings)
    reference = gazetteer.resolve(settings.reference or DEFAULT_REFERENCE)
    if args.text is not None:
        articles = iter([Article(doc="text", text=args.text, published=args.published)])
    else:  # Batch: skipped files logged, duplicate ids renamed, as in geo map
        articles = Batch().stream(iter_articles(pipeline.inputs(args.paths), args.published))
    for _article, output in pipeline.analysed(articles, gazetteer, settings):
        if isinstance(output, Skipped):
            log.warning("skipped %s", output.reason)  # (the log formatter makes it printable)
            continue
        frame = mentions_to_frame(output.mentions, reference)
        for record in frame.drop(columns="geometry").to_dict(orient="records"):
            print(json_printable(json.dumps(record, ensure_ascii=False, default=str)))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from geo.io import format_checks

    result = _run_corpus(args, _settings(args))
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    print(format_checks(result.checks, color=color))
    return 0


def cmd_gazetteer(args: argparse.Namespace) -> int:
    from geo.gazetteer import Gazetteer, default_gazetteer_path, read_curated

    if args.gazetteer_verb == "validate":
        path = Path(args.csv) if args.csv else default_gazetteer_path()
        places = read_curated(path)
        print(f"{printable(path)}: {len(places)} rows, all valid")
        return 0
    if args.gazetteer_verb == "import":
        return _import_gazetteer(args)
    if args.gazetteer_verb == "list":
        return _list_imported()
    curated, imported = gazetteer_sources(args.gazetteer)
    gazetteer = Gazetteer.load(curated, world=not args.no_world, imported=imported)
    candidates = gazetteer.lookup(args.name)
    if not candidates:
        raise GeoValueError(f"{args.name!r} is not in the gazetteer")
    for place in candidates:
        origin = (
            "curated"
            if place.curated
            else "imported"
            if ", imported as " in place.source
            else "world"
        )
        fields = (place.id, place.name, f"{place.lat:.5f}", f"{place.lon:.5f}", place.kind)
        more = (place.country, place.population, origin, place.source)
        print("\t".join(printable(value) for value in (*fields, *more)))
    return 0


def _import_gazetteer(args: argparse.Namespace) -> int:
    from geo.gazetteer import import_gazetteer

    path = Path(args.file)
    if not path.is_file():
        raise InputError(f"{path}: no such file; give a GeoNames extract or a name,lat,lon CSV")
    report = import_gazetteer(path, args.name, country=args.country)
    if not args.quiet:
        print(report.summary())
        for example in report.bad_examples:
            print(f"  bad row: {example}", file=sys.stderr)
        if report.bad > len(report.bad_examples):
            print(f"  ... and {report.bad - len(report.bad_examples):,} more", file=sys.stderr)
        print(f"use it with: geo map --gazetteer {report.name}")
    return 0


def _list_imported() -> int:
    from geo.gazetteer import describe_imported, imported_dir

    found = describe_imported()
    if not found:
        print(f"no imported gazetteers in {imported_dir()}; add one with geo gazetteer import")
        return 0
    for entry in found:
        print(
            f"{entry.get('name')}\t{entry.get('places', '?')} places\t"
            f"{entry.get('imported', '?')}\t{entry.get('source', '?')}"
        )
    return 0


VERBS = {
    "map": cmd_map,
    "places": cmd_places,
    "check": cmd_check,
    "verify": cmd_verify,
    "gazetteer": cmd_gazetteer,
}


def _configure_logging(args: argparse.Namespace) -> None:
    level = (
        logging.ERROR
        if args.quiet
        else (
            logging.WARNING
            if args.verbose == 0
            else logging.INFO
            if args.verbose == 1
            else logging.DEBUG
        )
    )
    handler = logging.StreamHandler(sys.stderr)  # every line printable: no escapes reach it
    handler.setFormatter(PrintableFormatter("geo: %(levelname)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    # the HTML reader's own chatter ("discarding data") is not the user's business unless -vv
    for library in ("trafilatura", "htmldate", "courlan"):
        logging.getLogger(library).setLevel(logging.ERROR if args.verbose < 2 else level)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C (staging removed, the previous set
    left as it was) and exit 128 + the signal number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signum)


@contextmanager
def _signals_unwind() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Terminated` in this process for the block (then
    the previous handlers are back), so every with-block cleans up as for Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _terminate) for sig in _UNWIND_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


_UNWIND_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``geo``; returns the exit code (0 ok, 1+ a :class:`GeoError`, 2 usage, 130 Ctrl-C,
    143 SIGTERM, 129 SIGHUP)."""
    args = parse_args(argv)
    _configure_logging(args)
    try:
        with _signals_unwind():
            return VERBS[args.verb](args)
    except GeoError as exc:
        print(f"geo: error: {printable(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
        name = signal.Signals(signum).name
        print(f"geo: stopped by {name}; no partial output was left behind", file=sys.stderr)
        return 128 + signum
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

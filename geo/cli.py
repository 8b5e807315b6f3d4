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
from geo.errors import GeoError, GeoValueError, OutputError
from geo.settings import DEFAULT_REFERENCE, OUTPUT_FORMATS, Settings, Tolerance
from geo.terminal import PrintableFormatter, json_printable, printable

if TYPE_CHECKING:
    from geo.engine._pipeline import Result

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
        default=DEFAULT_REFERENCE,
        metavar="PLACE",
        help=f"place distances are measured from (default: {DEFAULT_REFERENCE})",
    )
    parser.add_argument(
        "--gazetteer", metavar="CSV", help="curated gazetteer (default: gazetteer.csv)"
    )
    parser.add_argument(
        "--no-world", action="store_true", help="use the curated gazetteer only (no GeoNames world)"
    )
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
    lookup.add_argument("--gazetteer", metavar="CSV")
    lookup.add_argument("--no-world", action="store_true")
    validate = gazetteer_verbs.add_parser("validate", help="check a gazetteer CSV row by row")
    validate.add_argument("csv", nargs="?")
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``argv`` (default: ``sys.argv[1:]``); exits 2 with a usage line on bad options."""
    return build_parser().parse_args(list(argv) if argv is not None else None)


def _settings(args: argparse.Namespace, **extra: object) -> Settings:
    tolerance = Tolerance(absolute_km=args.tolerance_km, relative=args.tolerance_pct / 100.0)
    return Settings(
        reference=args.reference,
        gazetteer_path=args.gazetteer,
        world=not args.no_world,
        tolerance=tolerance,
        **extra,  # type: ignore[arg-type]
    )


def _run_corpus(args: argparse.Namespace, settings: Settings) -> Result:
    from geo.engine import _pipeline as pipeline

    text = getattr(args, "text", None)
    if text is not None:
        from geo.models import Article

        gazetteer = pipeline.load_gazetteer(settings)
        article = Article(doc="text", text=text, published=args.published)
        return pipeline.analyse_articles([article], gazetteer, settings)
    return pipeline.run(args.paths, settings=settings, published=args.published)


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
    print(line if out is None else f"{line}; wrote {printable(out)}/")
    for _where, reason in summary.skipped:
        print(f"  skipped: {printable(reason)}", file=sys.stderr)


def ensure_writable(folder: Path) -> None:
    """Create ``folder`` if needed and prove it is writable, before any work is done."""
    import tempfile

    from geo.io._output_set import check_folder

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise OutputError(
            f"{folder}: cannot write output here ({exc.strerror}); choose another folder with -o"
        ) from exc
    check_folder(folder)


def run_record(result: Result) -> dict[str, object]:
    """The run summary written to run.json: every input accounted for."""
    from geo.text._articles import clean_text

    summary = result.summary
    return {
        "read": summary.read,
        "processed": summary.processed,
        "skipped": [
            {"input": clean_text(where), "reason": clean_text(reason)}
            for where, reason in summary.skipped
        ],
        "mentions": len(result.mentions),
        "events": len(result.events),
        "features": len(result.events_frame),
        "claims": len(result.claims),
        "reference": result.reference.name,
    }


def cmd_map(args: argparse.Namespace) -> int:
    from geo.engine._parallel import capped_jobs

    use_dask = args.engine == "dask" or bool(args.scheduler)
    jobs = args.jobs if args.scheduler else capped_jobs(args.jobs)
    settings = _settings(args, offline=args.offline, jobs=jobs, formats=args.format)
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
    if use_dask:
        from geo.engine._dask import run_dask

        result, partitions = run_dask(
            args.paths, settings, published=args.published, scheduler=args.scheduler
        )
    else:
        result = _run_corpus(args, settings)

    from geo.io._export import atomic_write_text, write_outputs
    from geo.io._output_set import OutputSet
    from geo.map._render import build_map, map_html

    # Every file is staged and the set committed at the end (run.json last): a failure or
    # a kill leaves the folder's previous complete set, or no run.json, never half a file.
    page = map_html(build_map(result, offline=settings.offline))
    with OutputSet(out) as outputs:
        written = write_outputs(result, outputs.workdir, formats=settings.formats)
        if use_dask:
            from geo.engine._dask import save_partitioned

            written.append(save_partitioned(result, outputs.workdir, partitions))
        written.append(atomic_write_text(outputs.path("map.html"), page))
        outputs.commit(run_record(result))
    log.info("wrote %s", ", ".join(p.name for p in written))
    _print_summary(result, out, quiet=args.quiet)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from geo.io._output_set import verify

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
    from geo.toponyms._toponyms import format_mentions

    print(printable(format_mentions(_run_corpus(args, settings).mentions), lines=True))
    return 0


def _stream_places(args: argparse.Namespace, settings: Settings) -> int:
    """``geo places --format jsonl``: one record a mention, printed as each article is
    analysed (memory does not grow with the corpus)."""
    from geo.engine import _pipeline as pipeline
    from geo.features._features import mentions_to_frame
    from geo.models import Article
    from geo.text._articles import Batch, Skipped, iter_articles

    gazetteer = pipeline.load_gazetteer(settings)
    reference = gazetteer.resolve(settings.reference)
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
    from geo.io._checktable import format_checks

    result = _run_corpus(args, _settings(args))
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    print(format_checks(result.checks, color=color))
    return 0


def cmd_gazetteer(args: argparse.Namespace) -> int:
    from geo.gazetteer._gazetteer import Gazetteer, default_gazetteer_path, read_curated

    if args.gazetteer_verb == "validate":
        path = Path(args.csv) if args.csv else default_gazetteer_path()
        places = read_curated(path)
        print(f"{printable(path)}: {len(places)} rows, all valid")
        return 0
    gazetteer = Gazetteer.load(args.gazetteer, world=not args.no_world)
    candidates = gazetteer.lookup(args.name)
    if not candidates:
        raise GeoValueError(f"{args.name!r} is not in the gazetteer")
    for place in candidates:
        origin = "curated" if place.curated else "world"
        fields = (place.id, place.name, f"{place.lat:.5f}", f"{place.lon:.5f}", place.kind)
        more = (place.country, place.population, origin, place.source)
        print("\t".join(printable(value) for value in (*fields, *more)))
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

"""The Dask engine (``geo map --engine dask``): documents analysed in partitions on a cluster.

A local cluster of ``--jobs`` worker processes is started by default; ``--scheduler
ADDRESS`` uses an existing cluster instead (its workers need ``geo`` installed and the
gazetteer file at the same path). Each worker builds the gazetteer and toponymizer once and
analyses whole partitions of documents; partitions are submitted as the input streams in,
with a bounded number in flight, and their results come back in input order. The driver
then runs the same steps as a single-process run (checks, merged features, GeoJSON), so
the features are the same, and also writes the features as partitioned GeoParquet
(``parquet/events/part.N.parquet``, ``parquet/places/part.N.parquet``). The GeoParquet is
written by the driver, so a remote cluster needs no shared filesystem.

Dask is imported lazily: ``geo`` works without it, and ``--engine dask`` without it says
which extra to install.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.engine._parallel import (
    DEFAULT_CHUNK_SIZE,
    Analysed,
    Analyser,
    chunks,
    pack_outcomes,
    unpack_outcomes,
)
from geo.errors import GeoError, OutputError
from geo.io import STAGING_PREFIX
from geo.models import Article
from geo.settings import DEFAULT_REFERENCE, GeocoderSpec, Settings

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.engine._pipeline import Result
    from geo.gazetteer import Gazetteer

log = logging.getLogger(__name__)

#: Documents per partition (one task): big enough to amortise scheduling (~ms per task).
DEFAULT_PARTITION_SIZE = 250
#: Partitions in flight per worker thread: keeps workers busy and bounds memory.
WINDOW_PER_THREAD = 3
#: Where the partitioned GeoParquet goes inside the output folder.
PARQUET_DIR = "parquet"
INSTALL_HINT = "the dask engine needs Dask: pip install 'geo[dask]'"


class DaskEngineError(GeoError):
    """The Dask cluster cannot be used (not installed, unreachable, workers lost)."""


@dataclass(frozen=True, slots=True)
class GazetteerSpec:
    """How a worker loads the gazetteer: an absolute path (None: the default), world, and
    the names of the imported gazetteers (in the worker's cache folder)."""

    path: str | None
    world: bool
    imported: tuple[str, ...] = ()
    geocoder: GeocoderSpec | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> GazetteerSpec:
        path = str(Path(settings.gazetteer_path).resolve()) if settings.gazetteer_path else None
        return cls(path, settings.world, settings.imported, settings.geocoder)


# -- worker side -------------------------------------------------------------------------
_ANALYSERS: dict[GazetteerSpec, Analyser] = {}
_ANALYSERS_LOCK = threading.Lock()


def worker_analyser(spec: GazetteerSpec) -> Analyser:
    """The analyser of this worker process for ``spec``, built on first use, then reused."""
    with _ANALYSERS_LOCK:
        analyser = _ANALYSERS.get(spec)
        if analyser is None:
            from geo.gazetteer import Gazetteer

            gazetteer = Gazetteer.load(spec.path, world=spec.world, imported=spec.imported)
            analyser = Analyser(gazetteer, spec.geocoder)
            analyser.toponymizer  # noqa: B018 - build the automaton under the lock
            _ANALYSERS[spec] = analyser
        return analyser


def analyse_partition(articles: list[Article], spec: GazetteerSpec) -> bytes:
    """A Dask task: every article of one partition, in order, packed with the gazetteer's
    places as ids (:func:`geo.engine._parallel.pack_outcomes`)."""
    analyser = worker_analyser(spec)
    outcomes = [
        outcome
        for chunk in chunks(articles, DEFAULT_CHUNK_SIZE)
        for outcome in analyser.analyse_chunk(chunk)
    ]
    return pack_outcomes(outcomes, analyser.gazetteer)


# -- driver side -------------------------------------------------------------------------
def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise DaskEngineError(INSTALL_HINT) from exc
    return distributed


def _quiet_dask_logs() -> None:
    """Dask's cluster chatter (workers starting, closing) only with ``-vv``."""
    level = logging.DEBUG if logging.getLogger().getEffectiveLevel() <= logging.DEBUG else None
    for name in ("distributed", "dask"):
        logging.getLogger(name).setLevel(level or logging.WARNING)


@contextmanager
def dask_client(scheduler: str | None, workers: int, timeout_s: float = 10.0) -> Iterator[Any]:
    """A ``distributed.Client``: on the cluster at ``scheduler``, else on a new local
    cluster of ``workers`` single-threaded processes (closed on exit)."""
    distributed = _import_distributed()
    _quiet_dask_logs()
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout=f"{timeout_s}s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise DaskEngineError(
                f"cannot reach the Dask scheduler at {scheduler!r} ({exc}); check the "
                "address (tcp://HOST:8786) or leave out --scheduler for a local cluster"
            ) from exc
        with client:
            yield client
        return
    cluster = distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


class DaskMapper:
    """Maps articles to outcomes on a Dask cluster, partition by partition, in order."""

    def __init__(
        self,
        client: Any,
        spec: GazetteerSpec,
        gazetteer: Gazetteer,
        partition_size: int = DEFAULT_PARTITION_SIZE,
    ) -> None:
        self.client = client
        self.spec = spec
        self.gazetteer = gazetteer
        self.partition_size = max(1, partition_size)
        self.partitions = 0

    def _window(self) -> int:
        threads = sum(self.client.nthreads().values()) or 1
        return max(2, threads * WINDOW_PER_THREAD)

    def __call__(self, articles: Iterable[Article]) -> Iterator[tuple[Article, Analysed]]:
        window = self._window()
        pending: deque[tuple[list[Article], Any]] = deque()
        try:
            for chunk in chunks(articles, self.partition_size):
                future = self.client.submit(analyse_partition, chunk, self.spec, pure=False)
                pending.append((chunk, future))
                self.partitions += 1
                if len(pending) >= window:
                    yield from self._collect(*pending.popleft())
            while pending:
                yield from self._collect(*pending.popleft())
        finally:
            for _chunk, future in pending:
                future.cancel()

    def _collect(self, chunk: list[Article], future: Any) -> Iterator[tuple[Article, Analysed]]:
        try:
            outcomes = unpack_outcomes(future.result(), self.gazetteer)
        except GeoError:
            raise
        except Exception as exc:
            raise DaskEngineError(
                f"a Dask task failed ({type(exc).__name__}: {exc}); "
                "check the workers' logs, or run without --engine dask"
            ) from exc
        yield from zip(chunk, outcomes, strict=True)


def run_dask(
    paths: Sequence[str | Path] | None = None,
    settings: Settings | None = None,
    published: date | None = None,
    scheduler: str | None = None,
    partition_size: int = DEFAULT_PARTITION_SIZE,
    gazetteer: Gazetteer | None = None,
    exclude: Sequence[str | Path] = (),
) -> tuple[Result, int]:
    """``pipeline.run`` with the per-article stages on a Dask cluster.

    Returns the result (the same as a single-process run) and the number of partitions.
    """
    from geo.engine import _pipeline as pipeline

    settings = settings or Settings()
    gazetteer = gazetteer or pipeline.load_gazetteer(settings)
    gazetteer.resolve(settings.reference or DEFAULT_REFERENCE)  # fail fast, before a cluster
    spec = GazetteerSpec.from_settings(settings)
    with dask_client(scheduler, settings.jobs) as client:
        log.info("dask: %s", client)
        mapper = DaskMapper(client, spec, gazetteer, partition_size)
        result = pipeline.run(
            paths, settings, published, gazetteer=gazetteer, mapper=mapper, exclude=exclude
        )
    return result, max(1, mapper.partitions)


# -- partitioned GeoParquet ----------------------------------------------------------------
def write_partitioned(frame: gpd.GeoDataFrame, folder: Path, partitions: int) -> int:
    """Write ``frame`` as GeoParquet part files ``folder/part.N.parquet`` (row ranges, in
    order); returns the number of parts.

    The frame is encoded to Arrow once, so every part has the same schema and GeoParquet
    metadata (a column that is null throughout one part keeps its type), and the folder
    reads back as one dataset (``geopandas.read_parquet``, ``dask_geopandas.read_parquet``).
    """
    import io

    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    frame.reset_index(drop=True).to_parquet(buffer, index=False)
    table = pq.read_table(io.BytesIO(buffer.getvalue()))
    count = max(1, min(partitions, table.num_rows))
    size = max(1, math.ceil(table.num_rows / count))
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        part = table.slice(number * size, size)
        pq.write_table(part, folder / f"part.{number}.parquet")
    return count


def save_partitioned(result: Result, out_dir: Path, partitions: int) -> Path:
    """Atomically (re)place ``out_dir/parquet/{events,places}/part.N.parquet``.

    The parts are written into a temporary folder beside the target and renamed into place;
    an interrupted run leaves either the previous folder or none, never a partial one.
    """
    target = out_dir / PARQUET_DIR
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{PARQUET_DIR}.", dir=out_dir))
    try:
        events = write_partitioned(result.events_frame, staging / "events", partitions)
        places = write_partitioned(result.places_frame, staging / "places", partitions)
        _swap_folder(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"{target}: cannot write the GeoParquet ({exc})") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log.info("wrote %s: %d event and %d place partitions", target, events, places)
    return target


def _swap_folder(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with renames only (no half-written state visible)."""
    old: Path | None = None
    if target.exists():
        old = target.with_name(f"{STAGING_PREFIX}old-{target.name}-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)

"""Running the stages over a corpus: in this process, in a pool of processes, or on Dask."""

from typing import Any

from geo.engine._parallel import capped_jobs
from geo.engine._pipeline import Result, analyse_articles, analyse_read, load_gazetteer, run

__all__ = [
    "Result",
    "analyse_articles",
    "analyse_read",
    "capped_jobs",
    "load_gazetteer",
    "run",
    "run_dask",
    "save_partitioned",
]


def __getattr__(name: str) -> Any:
    """The Dask engine loads only when asked for (it needs the ``dask`` extra)."""
    if name in ("run_dask", "save_partitioned"):
        from geo.engine import _dask

        return getattr(_dask, name)
    raise AttributeError(f"module 'geo.engine' has no attribute {name!r}")

"""Shared fixtures: where ../shared is, the real gazetteer (loaded once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
BENCHMARKS = SHARED / "benchmarks"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The three real wire reports; tests that need them skip where ../shared is absent."""
    if not any(SEEDS.glob("*.txt")):
        pytest.skip(f"seed reports not found at {SEEDS} (../shared is not beside the checkout)")
    return SEEDS


@pytest.fixture(scope="session")
def gazetteer():  # type: ignore[no-untyped-def]
    """The curated theatre gazetteer with the world extension, loaded once."""
    from geo.gazetteer._gazetteer import Gazetteer

    return Gazetteer.load()


@pytest.fixture(scope="session")
def curated_gazetteer():  # type: ignore[no-untyped-def]
    """The curated theatre gazetteer alone (no world data)."""
    from geo.gazetteer._gazetteer import Gazetteer

    return Gazetteer.load(world=False)

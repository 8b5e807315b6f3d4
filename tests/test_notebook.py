"""notebooks/explore.ipynb: committed without outputs, runs top to bottom, maps offline."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from geo.map._offline import remote_references

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore.ipynb"
nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (dev extra)")


def test_notebook_is_committed_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code
    assert all(c.outputs == [] and c.execution_count is None for c in code)


def test_notebook_runs_top_to_bottom_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (dev extra)")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    monkeypatch.setenv("GEO_NOTEBOOK_OUTPUT", str(tmp_path / "out"))
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    pages = [o.data["text/html"] for o in outputs if "data" in o and "text/html" in o.data]
    maps = [p for p in pages if "GeoMap.markReady" in html.unescape(p)]
    assert len(maps) == 1, "the map cell should display one inline map"
    page = html.unescape(maps[0])
    assert "<iframe srcdoc=" in maps[0] and remote_references(page) == []
    assert "leaflet-1.9.4/leaflet.js" in page  # inlined, not linked
    tables = [p for p in pages if "<table" in p and "dataframe" in p]
    assert len(tables) >= 5  # events, two selections, checks, conflicts
    written = tmp_path / "out" / "subset"
    assert {"events.geojson", "places.geojson", "checks.csv"} <= {p.name for p in written.iterdir()}

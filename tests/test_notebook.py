"""notebooks/explore.ipynb: public API only, committed without outputs, runs top to bottom,
tells its story (sample, own folder, mixed sources, filters, checks, map, export)."""

from __future__ import annotations

import ast
import html
import json
from pathlib import Path
from typing import Any

import pytest

import geo
from geo.io import verify
from geo.map._offline import remote_references

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore.ipynb"
nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (dev extra)")

#: Run after the notebook's own cells: what its variables hold, as one JSON line.
PROBE = """
import json as _json
print(_json.dumps({
    "summary": result.summary,
    "docs": sorted(set(events["doc"])),
    "russia_actors": sorted(set(russia["actor"])),
    "movement_kinds": sorted(set(movements["kind"])),
    "from_20th": sorted(zip(from_20th["date"], from_20th["date_precision"])),
    "region_level": [list(p) for p in region_level["places"]],
    "region_level_drawn": int(region_level.geometry.notna().sum()),
    "events_without_geometry": int(events.geometry.isna().sum()),
    "estimated": int(len(estimated)),
    "verdicts": sorted(set(distances["verdict"])),
    "conflicts": int(len(conflicts)),
    "out": str(out),
    "written": [str(p) for p in written],
}))
"""


def _code_cells(notebook: Any) -> list[Any]:
    return [c for c in notebook.cells if c.cell_type == "code"]


def test_notebook_is_committed_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = _code_cells(notebook)
    assert code
    assert all(c.outputs == [] and c.execution_count is None for c in code)


def test_notebook_uses_only_the_public_api() -> None:
    """``import geo`` and names from ``geo.__all__``; nothing read from the checkout."""
    source = "\n".join(c.source for c in _code_cells(nbformat.read(NOTEBOOK, as_version=4)))
    tree = ast.parse(source)
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert "geo" in imported and not [n for n in imported if n.startswith("geo.")]
    assert not [
        n.module
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "geo"
    ]
    used = {
        n.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "geo"
    }
    assert used and used <= {*geo.__all__, "__file__"}, used - {*geo.__all__, "__file__"}
    assert "shared" not in source and "../" not in source and "parents[" not in source


def test_notebook_runs_top_to_bottom_and_tells_its_story(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (dev extra)")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    own = _code_cells(notebook)
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    scratch, cwd = tmp_path / "tmp", tmp_path / "cwd"
    scratch.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # the notebook's tempfile folders go here
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell

    assert all(c.execution_count is not None for c in own)
    outputs = [o for c in own for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o.text for o in outputs if o.get("name") == "stderr"]

    pages = [o.data["text/html"] for o in outputs if "data" in o and "text/html" in o.data]
    maps = [p for p in pages if "GeoMap.markReady" in html.unescape(p)]
    assert len(maps) == 1, "the map cell should display one inline map"
    page = html.unescape(maps[0])
    assert "<iframe srcdoc=" in maps[0] and remote_references(page) == []
    assert "leaflet-1.9.4/leaflet.js" in page  # inlined, not linked
    tables = [p for p in pages if "<table" in p and "dataframe" in p]
    assert len(tables) >= 9  # own events, events, 3 selections, 2 unpinned, checks, conflicts

    probe = json.loads(notebook.cells[-1].outputs[-1].text)
    # the sample, both files of the user's folder, the pasted text and the record in one run
    assert probe["summary"] == {"read": 8, "processed": 8, "skipped": []}
    assert {"sample-01", "sample-02", "desk-01", "khashuri", "text-3", "desk-03"} <= set(
        probe["docs"]
    )
    assert probe["russia_actors"] and all("Russia" in a for a in probe["russia_actors"])
    assert probe["movement_kinds"] == ["movement"]
    assert probe["from_20th"] and all(
        d >= "2008-08-20" and p == "day" for d, p in probe["from_20th"]
    )
    # region-level events: listed, every one of them (and only them) without geometry
    assert ["Abkhazia"] in probe["region_level"] and probe["region_level_drawn"] == 0
    assert probe["events_without_geometry"] == len(probe["region_level"])
    assert probe["estimated"] >= 1
    assert {"consistent", "inconsistent"} <= set(probe["verdicts"])
    assert probe["conflicts"] >= 1

    # the export: one complete set in a temporary folder; nothing written anywhere else
    out = Path(probe["out"])
    assert out.parent == scratch and list(cwd.iterdir()) == []
    names = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert names == {
        "events.geojson",
        "places.geojson",
        "checks.csv",
        "map.html",
        "run.json",
        "events.csv",
        "places.csv",
    }
    assert sorted(Path(p).name for p in probe["written"]) == sorted(names)
    assert verify(out) == []
    exported = json.loads((out / "events.geojson").read_text(encoding="utf-8"))
    assert {f["properties"]["doc"] for f in exported["features"]} == set(probe["docs"])
    assert sum(f["geometry"] is None for f in exported["features"]) == len(probe["region_level"])

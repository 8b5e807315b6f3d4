"""No JavaScript or CSS over 20 lines hides in a Python string: the page's code lives in
``geo/map/assets/``, where eslint reads it.

A line counts as JavaScript or CSS when it ends a statement, opens or closes a block
(``;``, ``{`` or ``}`` at its end): every line of a rule set or a script body does, prose
almost never does (the package's longest docstrings have at most 6 such lines). Each string
literal is checked on its own, f-strings with their placeholders left out; code assembled
from many small strings at run time is not seen.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "geo"
MAX_CODE_LINES = 20
_CODE_LINE = re.compile(r"[{};]\s*$")


def code_lines(text: str) -> int:
    """How many lines of ``text`` read as JavaScript or CSS."""
    return sum(1 for line in text.splitlines() if _CODE_LINE.search(line))


def string_literals(source: str) -> list[tuple[int, str]]:
    """Every string literal of a module as (line, text); an f-string's text without its
    placeholders."""
    found = []
    nodes = list(ast.walk(ast.parse(source)))
    f_parts = {id(v) for n in nodes if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in nodes:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in f_parts:
                found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
            found.append((node.lineno, "".join(str(p) for p in parts)))
    return found


def embedded_code(root: Path) -> list[str]:
    """``path:line (N lines)`` for each string under ``root`` with too much JS or CSS."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for line, text in string_literals(path.read_text(encoding="utf-8")):
            if (n := code_lines(text)) > MAX_CODE_LINES:
                found.append(f"{path.relative_to(root.parent)}:{line} ({n} lines)")
    return found


SCRIPT = "function f(a) {\n  return a;\n}\n"
STYLE = ".geo-pop{font:13px system-ui}\n.geo-pop h4{\n  margin:0;\n}\n"
PROSE = (
    "The gazetteer is loaded once and shared;\n"
    "each place gets a score, and the best one wins\n"
    "unless a curated row says otherwise.\n"
)


@pytest.mark.parametrize(("text", "lines"), [(SCRIPT, 3), (STYLE, 4), (PROSE, 1)])
def test_code_lines_counts_script_and_style_lines_not_prose(text: str, lines: int) -> None:
    assert code_lines(text) == lines


def test_a_long_script_in_a_string_is_found_and_a_short_one_is_not(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    long_js = "var x = 1;\n" * (MAX_CODE_LINES + 1)
    short_css = ".a{color:red}\n" * MAX_CODE_LINES
    (package / "long.py").write_text(f"PAGE = '''\n{long_js}'''\n", encoding="utf-8")
    (package / "short.py").write_text(f"CSS = '''\n{short_css}'''\n", encoding="utf-8")
    (package / "fstring.py").write_text(
        f"def page(x):\n    return f'''<script>{{x}}\n{long_js}</script>'''\n", encoding="utf-8"
    )
    assert embedded_code(package) == [
        f"pkg/fstring.py:2 ({MAX_CODE_LINES + 1} lines)",
        f"pkg/long.py:1 ({MAX_CODE_LINES + 1} lines)",
    ]


def test_no_python_string_under_geo_holds_more_than_20_lines_of_js_or_css() -> None:
    found = embedded_code(PACKAGE)
    assert not found, f"move this JavaScript/CSS into geo/map/assets/: {', '.join(found)}"

"""Raw page elements: scripts and layers written into the page as they are, no template engine
between the data and the page."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from branca.element import CssLink, Element, Figure, JavascriptLink
from folium.map import Layer

from geo.errors import OutputError
from geo.map._offline import assets_by_name

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


# -- raw page elements (no template engine between the data and the page) ---------------------
class RawScript(Element):
    """A piece of page script inserted verbatim."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawScript"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def _figure(element: Element) -> Figure:
    root = element.get_root()
    if not isinstance(root, Figure):
        raise OutputError(f"{element.get_name()}: render the map, not a part of it")
    return root


class RawLayer(Layer):
    """A layer whose script is a fixed string: ``var NAME = <expression>;``."""

    def __init__(
        self,
        expression: str,
        name: str,
        *,
        overlay: bool = True,
        show: bool = True,
        control: bool = True,
        js_links: Sequence[str] = (),
        css_links: Sequence[str] = (),
    ) -> None:
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "GeoLayer"
        self.expression = expression
        assets = assets_by_name()
        self.default_js = [(n, assets[n]["url"]) for n in js_links]
        self.default_css = [(n, assets[n]["url"]) for n in css_links]

    def render(self, **kwargs: Any) -> str:
        figure = _figure(self)
        for asset, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=asset)
        for asset, url in self.default_css:
            figure.header.add_child(CssLink(url), name=asset)
        name = self.get_name()
        figure.script.add_child(RawScript(f"var {name} = {self.expression};\n"), name=name)
        if self.show:
            parent = self._parent.get_name() if self._parent is not None else ""
            figure.script.add_child(RawScript(f"{name}.addTo({parent});\n"), name=name + "_add")
        return ""


class PayloadLayer(RawLayer):
    """A layer the page script builds from one JSON payload: ``GeoMap.<factory>(payload)``.

    The payload travels in a ``<script type="application/json">`` element (read with
    ``JSON.parse``, several times faster than a script literal of the same size)."""

    def __init__(self, factory: str, payload: str, name: str, count: int, **kwargs: Any) -> None:
        super().__init__("", name, **kwargs)
        self.expression = f"GeoMap.{factory}(GeoMap.data('{self.get_name()}_data'))"
        self.count = count
        self.payload = payload

    def render(self, **kwargs: Any) -> str:
        figure = _figure(self)
        element_id = f"{self.get_name()}_data"
        figure.html.add_child(
            RawScript(
                f'<script type="application/json" id="{element_id}">{self.payload}</script>\n'
            ),
            name=element_id,
        )
        return super().render(**kwargs)


class RawCall(Element):
    """Page-script statements (setup, legend, ready flag) placed verbatim."""

    def __init__(self, code: str, header: str = "") -> None:
        super().__init__()
        self._name = "GeoScript"
        self.code = code
        self.header = header

    def render(self, **kwargs: Any) -> str:
        figure = _figure(self)
        if self.header:
            figure.header.add_child(RawScript(self.header), name=self.get_name() + "_head")
        figure.script.add_child(RawScript(self.code + "\n"), name=self.get_name())
        return ""

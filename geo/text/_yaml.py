"""YAML that hostile input cannot blow up: no aliases, bounded nesting, dates as text."""

from __future__ import annotations

import yaml


class BoundedLoader(yaml.SafeLoader):
    """A safe YAML loader with no aliases (so no alias bomb), nesting at most
    ``max_depth`` deep, and dates and times left as text (so an impossible ``2008-02-30``
    reaches the caller's date check, which says what is wrong). Subclass it through
    :func:`bounded_loader`."""

    max_depth = 20
    where = ""  # " in front matter": where the aliases are refused, for the message

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None,
                None,
                f"aliases (*name) are not allowed{self.where}",
                self.peek_event().start_mark,
            )
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested more than {self.max_depth} deep",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


BoundedLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def bounded_loader(max_depth: int, where: str = "") -> type[BoundedLoader]:
    """A :class:`BoundedLoader` that accepts at most ``max_depth`` levels of nesting."""
    return type("BoundedLoader", (BoundedLoader,), {"max_depth": max_depth, "where": where})

"""The layered folium map of a run."""

from geo.map._render import build_map, map_html, render_frames

__all__ = ["build_map", "map_html", "render_frames"]

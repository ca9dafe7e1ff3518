"""Point symbols as inline SVG in Leaflet ``DivIcon``s: no icon font, no image requests."""

from __future__ import annotations

import math

import folium

from geo_industry.maps.styles import APPROX_DASH

_SHAPES = {
    "circle": lambda s: f'<circle cx="{s / 2}" cy="{s / 2}" r="{s / 2 - 2}"',
    "square": lambda s: f'<rect x="2" y="2" width="{s - 4}" height="{s - 4}"',
    "diamond": lambda s: f'<polygon points="{s / 2},1 {s - 1},{s / 2} {s / 2},{s - 1} 1,{s / 2}"',
    "triangle": lambda s: f'<polygon points="{s / 2},1 {s - 1},{s - 2} 1,{s - 2}"',
    "hexagon": lambda s: '<polygon points="' + _regular(s, 6, 0) + '"',
    "star": lambda s: '<polygon points="' + _star(s) + '"',
}


def _regular(size: float, sides: int, start_deg: float) -> str:
    r = size / 2 - 1.5
    points = []
    for i in range(sides):
        a = math.radians(start_deg + 360 * i / sides)
        points.append(f"{size / 2 + r * math.cos(a):.1f},{size / 2 + r * math.sin(a):.1f}")
    return " ".join(points)


def _star(size: float) -> str:
    outer, inner, points = size / 2 - 1, size / 5, []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        a = math.radians(-90 + 36 * i)
        points.append(f"{size / 2 + r * math.cos(a):.1f},{size / 2 + r * math.sin(a):.1f}")
    return " ".join(points)


def symbol_svg(shape: str, color: str, size: float, *, approximate: bool = False, hollow: bool = False) -> str:
    """An SVG symbol of ``shape`` filled with ``color``; approximate ones are pale and dashed.

    ``hollow`` draws it white inside a thick ``color`` outline (e.g. a zone not built yet).
    """
    if shape not in _SHAPES:
        raise ValueError(f"invalid shape={shape!r}: expected one of {', '.join(_SHAPES)}")
    opacity = "0.35" if approximate else "0.9"
    dash = f' stroke-dasharray="{APPROX_DASH.replace(" ", ",")}"' if approximate else ""
    stroke = color if approximate or hollow else "#ffffff"
    fill, width = ("#ffffff", "3") if hollow else (color, "1.6")
    body = _SHAPES[shape](size)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}">{body} fill="{fill}" fill-opacity="{opacity}" '
        f'stroke="{stroke}" stroke-width="{width}"{dash}/></svg>'
    )


def symbol_icon(
    shape: str, color: str, size: float = 18, *, approximate: bool = False, css_class: str = "", hollow: bool = False
) -> folium.DivIcon:
    """A ``DivIcon`` carrying :func:`symbol_svg`, anchored at its centre."""
    classes = " ".join(c for c in ("gi-symbol", "gi-approx" if approximate else "", css_class) if c)
    return folium.DivIcon(
        html=symbol_svg(shape, color, size, approximate=approximate, hollow=hollow),
        # folium annotates icon sizes as int pixels; Leaflet takes any number (proportional symbols)
        icon_size=(size, size),  # type: ignore[arg-type]
        icon_anchor=(size / 2, size / 2),  # type: ignore[arg-type]
        class_name=classes,
    )

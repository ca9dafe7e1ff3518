"""The raster products of a build: names, units, value ranges, colour maps and legends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, Field

from geo_industry.raster.criteria import CRITERION_TITLES, DISTANCE_CRITERIA
from geo_industry.raster.errors import UnknownProductError

if TYPE_CHECKING:
    from rio_tiler.types import DiscreteColorMapType, GDALColorMapType

__all__ = [
    "ProductKind",
    "ProductSpec",
    "LegendStop",
    "Legend",
    "PRODUCTS",
    "product_spec",
    "distance_product",
    "legend_for",
    "PointValue",
]

ProductKind = Literal["terrain", "slope", "hillshade", "distance", "suitability"]
Resampling = Literal["nearest", "bilinear", "cubic", "cubic_spline", "lanczos", "average", "mode", "gauss", "rms"]
"""How overviews are resampled: rio-cogeo's ``RIOResampling``, spelt out (a legend needs no rio-cogeo)."""


@dataclass(frozen=True)
class ProductSpec:
    """How one product is stored and drawn.

    ``value_range`` is the range the colour map stretches over; None means the product's own
    minimum and maximum (stored in the COG tags at build time) are used.
    """

    id: str
    kind: ProductKind
    title: str
    units: str
    dtype: str
    nodata: float | int
    colormap: str
    value_range: tuple[float, float] | None
    overview_resampling: Resampling = "average"


def distance_product(criterion: str) -> str:
    """Product id of the distance raster of a criterion (``distance_border_gate`` …)."""
    return f"distance_{criterion}"


def _specs() -> dict[str, ProductSpec]:
    specs = [
        ProductSpec("terrain", "terrain", "Elevation", "m", "float32", float("nan"),
                    "terrain", None),
        ProductSpec("slope", "slope", "Slope", "deg", "float32", float("nan"), "ylorrd",
                    (0.0, 45.0)),
        ProductSpec("hillshade", "hillshade", "Hillshade", "1-255", "uint8", 0, "gray",
                    (1.0, 255.0)),
        ProductSpec("suitability", "suitability", "Investment suitability", "score 0-100",
                    "float32", float("nan"), "rdylgn", (0.0, 100.0)),
    ]
    specs += [
        ProductSpec(distance_product(c), "distance", f"Distance to {CRITERION_TITLES[c]}", "km",
                    "float32", float("nan"), "viridis", (0.0, 60.0))
        for c in DISTANCE_CRITERIA
    ]
    return {s.id: s for s in specs}


PRODUCTS: dict[str, ProductSpec] = _specs()
"""Every known product by id."""


def product_spec(product: str) -> ProductSpec:
    """The spec of a product id; raises UnknownProductError for anything else."""
    try:
        return PRODUCTS[product]
    except KeyError:
        raise UnknownProductError(
            f"product {product!r} is not one of {', '.join(PRODUCTS)} "
            "(files without a PRODUCT tag need the product named)") from None


class LegendStop(BaseModel):
    """One legend entry: a value and its colour."""

    value: float
    color: str = Field(description="#rrggbb")


class Legend(BaseModel):
    """What a product's colours mean."""

    product: str
    title: str
    units: str
    colormap: str
    stops: list[LegendStop]


class PointValue(BaseModel):
    """The value of a product at one point."""

    product: str
    value: float | None = Field(description="None where the raster has no data")
    units: str
    x: float
    y: float
    crs: str
    row: int
    col: int


def _lookup_table(colormap: str) -> GDALColorMapType | DiscreteColorMapType:
    """rio-tiler's named ``colormap`` as its value → RGBA table (named maps are never intervals)."""
    from rio_tiler.colormap import cmap

    table = cmap.get(colormap)
    if not isinstance(table, dict):
        raise TypeError(f"colormap {colormap!r} is not a value → RGBA table")
    return table


def legend_for(product: str, *, value_range: tuple[float, float] | None = None,
               n_stops: int = 6) -> Legend:
    """Legend of a product: ``n_stops`` evenly spaced values with their colours.

    ``value_range`` overrides the spec's range (needed for terrain, whose range is the
    data's own).

    Examples
    --------
    >>> legend_for("slope").stops[0].value, legend_for("slope").units
    (0.0, 'deg')
    """
    spec = product_spec(product)
    vmin, vmax = value_range or spec.value_range or (0.0, 1.0)
    colours = _lookup_table(spec.colormap)
    stops = []
    for value in np.linspace(vmin, vmax, n_stops):
        index = int(round(255 * (value - vmin) / (vmax - vmin))) if vmax > vmin else 0
        r, g, b, _a = colours[index]
        stops.append(LegendStop(value=round(float(value), 3), color=f"#{r:02x}{g:02x}{b:02x}"))
    return Legend(product=spec.id, title=spec.title, units=spec.units, colormap=spec.colormap,
                  stops=stops)

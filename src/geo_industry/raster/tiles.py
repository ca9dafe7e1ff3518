"""Map tiles and point queries on product COGs (rio-tiler + morecantile).

:class:`ProductReader` keeps one product open (as the API's lifespan would) and renders tiles
for any morecantile TileMatrixSet, answers point queries and gives the legend. The functions
:func:`render_tile` and :func:`point_value` open, use and close a reader for one-off calls.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from types import TracebackType

import morecantile
import numpy as np
import rasterio
from morecantile.errors import InvalidIdentifier
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window
from rio_tiler.colormap import cmap as _colormaps
from rio_tiler.errors import TileOutsideBounds
from rio_tiler.io import Reader

from geo_industry.errors import InvalidParameter
from geo_industry.raster.errors import (
    NotARasterError,
    PointOutsideRasterError,
    TileOutsideBoundsError,
)
from geo_industry.raster.products import Legend, PointValue, ProductSpec, legend_for, product_spec

__all__ = [
    "TILE_MATRIX_SETS",
    "PointValue",
    "ProductReader",
    "render_tile",
    "point_value",
    "product_value_range",
]

TILE_MATRIX_SETS: tuple[str, ...] = tuple(morecantile.tms.list())
"""Ids of the TileMatrixSets tiles can be rendered in (WebMercatorQuad, WorldCRS84Quad, …)."""


def product_value_range(dataset: rasterio.DatasetReader, spec: ProductSpec) -> tuple[float, float]:
    """The range a product's colour map stretches over: the spec's, else the COG's tags."""
    if spec.value_range is not None:
        return spec.value_range
    tags = dataset.tags()
    try:
        return (float(tags["VALUE_MIN"]), float(tags["VALUE_MAX"]))
    except (KeyError, ValueError):
        return _sampled_range(dataset)


def _sampled_range(dataset: rasterio.DatasetReader) -> tuple[float, float]:
    """Min and max of a decimated read (at most 1024 px a side) of band 1."""
    scale = max(1, math.ceil(max(dataset.width, dataset.height) / 1024))
    shape = (max(1, dataset.height // scale), max(1, dataset.width // scale))
    data = dataset.read(1, out_shape=shape, masked=True).astype("float64").filled(np.nan)
    finite = data[np.isfinite(data)]
    if finite.size == 0:
        return (0.0, 1.0)
    return (float(finite.min()), float(finite.max()))


def _to_byte(data: np.ma.MaskedArray, value_range: tuple[float, float]) -> np.ma.MaskedArray:
    """Stretch ``value_range`` onto 0–255 (uint8), keeping the mask (NaN counts as masked)."""
    vmin, vmax = value_range
    values = np.asarray(data.data, dtype="float32")
    mask = np.ma.getmaskarray(data) | ~np.isfinite(values)
    span = (vmax - vmin) or 1.0
    scaled = np.clip((np.where(mask, vmin, values) - vmin) * np.float32(255 / span), 0, 255)
    return np.ma.MaskedArray(scaled.astype("uint8"), mask=mask, fill_value=0)


def _tms(tms: str) -> morecantile.TileMatrixSet:
    try:
        return morecantile.tms.get(tms)
    except InvalidIdentifier:
        raise InvalidParameter("tms", tms, "one of " + ", ".join(TILE_MATRIX_SETS),
                               message=f"tms {tms!r} is not one of {', '.join(TILE_MATRIX_SETS)}") from None


class ProductReader:
    """An open product COG: tiles, point values and legend.

    One open dataset is shared by the calls, which a lock serialises (rasterio datasets are not
    thread-safe); open one reader per worker for parallel rendering.

    Examples
    --------
    >>> with ProductReader("rasters/slope.tif") as reader:  # doctest: +SKIP
    ...     png = reader.tile(x=1620, y=898, z=11)
    """

    def __init__(self, path: str | Path, *, product: str | None = None) -> None:
        """Open ``path``; ``product`` names its product when the file has no PRODUCT tag."""
        self.path = Path(path)
        try:
            self._dataset = rasterio.open(self.path)
        except rasterio.errors.RasterioIOError as exc:
            raise NotARasterError(f"path {str(path)!r} is not a readable raster: {exc}") from exc
        try:
            self.spec = product_spec(product or self._dataset.tags().get("PRODUCT", ""))
            self.value_range = product_value_range(self._dataset, self.spec)
        except Exception:
            self._dataset.close()
            raise
        self._readers: dict[str, Reader] = {}
        self._vrts: list[WarpedVRT] = []
        self._colormap = _colormaps.get(self.spec.colormap)
        self._to_raster: dict[str, Transformer] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> ProductReader:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the dataset and the per-TMS readers."""
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()
        for vrt in self._vrts:
            vrt.close()
        self._vrts.clear()
        self._dataset.close()

    @property
    def legend(self) -> Legend:
        """The product's legend for its value range."""
        return legend_for(self.spec.id, value_range=self.value_range)

    def _reader(self, tms: str) -> Reader:
        """A rio-tiler Reader per TMS over a WarpedVRT in the TMS's CRS, made once.

        Building the VN-2000 → WGS 84 operation costs tens of ms in PROJ; one VRT per TMS
        pays it once instead of once per tile.
        """
        if tms not in self._readers:
            matrix_set = _tms(tms)
            source = self._dataset
            if matrix_set.rasterio_crs != self._dataset.crs:
                source = WarpedVRT(self._dataset, crs=matrix_set.rasterio_crs,
                                   resampling=Resampling.bilinear)
                self._vrts.append(source)
            self._readers[tms] = Reader(None, dataset=source, tms=matrix_set)
        return self._readers[tms]

    def tile(self, *, x: int, y: int, z: int, tms: str = "WebMercatorQuad",
             tilesize: int = 256) -> bytes:
        """A PNG tile (``tilesize`` px square, transparent where no data) with the colour map.

        Raises TileOutsideBoundsError when the tile does not touch the raster.
        """
        try:
            with self._lock:
                image = self._reader(tms).tile(x, y, z, tilesize=tilesize,
                                               resampling_method="bilinear")
        except TileOutsideBounds:
            raise TileOutsideBoundsError(
                f"tile {tms}/{z}/{x}/{y} is outside the bounds of {self.spec.id}") from None
        image.array = _to_byte(image.array, self.value_range)
        return image.render(img_format="PNG", colormap=self._colormap)

    def preview(self, *, max_size: int = 1024) -> tuple[bytes, tuple[float, float, float, float]]:
        """The whole product as one PNG in Web Mercator (EPSG:3857), at most ``max_size`` px a side.

        Returns the PNG and its bounds (west, south, east, north) in lon/lat: an image a
        Leaflet ``ImageOverlay`` stretches onto those bounds without distortion.
        """
        if max_size < 1:
            raise InvalidParameter("max_size", max_size, "a size >= 1",
                                   message=f"max_size must be >= 1, got {max_size!r}")
        with self._lock:
            image = self._reader("WebMercatorQuad").preview(max_size=max_size,
                                                            resampling_method="bilinear")
        image.array = _to_byte(image.array, self.value_range)
        if image.bounds is None:
            raise RuntimeError(f"the preview of {self.path} has no bounds")
        west, south, east, north = image.bounds
        lons, lats = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True).transform(
            [west, east], [south, north])
        return (image.render(img_format="PNG", colormap=self._colormap),
                (float(lons[0]), float(lats[0]), float(lons[1]), float(lats[1])))

    def point(self, *, x: float, y: float, crs: str = "EPSG:4326") -> PointValue:
        """The value at (x, y) given in ``crs`` (x = longitude for geographic CRSs)."""
        if crs not in self._to_raster:
            try:
                source = CRS.from_user_input(crs)
            except CRSError:
                raise InvalidParameter("crs", crs, "a known CRS",
                                       message=f"crs {crs!r} is not a known CRS") from None
            self._to_raster[crs] = Transformer.from_crs(source, self._dataset.crs.to_wkt(),
                                                        always_xy=True)
        rx, ry = self._to_raster[crs].transform(x, y)
        if not (math.isfinite(rx) and math.isfinite(ry)):
            raise PointOutsideRasterError(
                f"point ({x}, {y}) in {crs} cannot be placed on the raster")
        row, col = self._dataset.index(rx, ry)
        if not (0 <= row < self._dataset.height and 0 <= col < self._dataset.width):
            raise PointOutsideRasterError(
                f"point ({x}, {y}) in {crs} is outside {self.spec.id} "
                f"(bounds {tuple(round(b, 1) for b in self._dataset.bounds)} in the raster CRS)")
        with self._lock:
            raw = self._dataset.read(1, window=Window(col, row, 1, 1), masked=True)
        value = None if np.ma.is_masked(raw[0, 0]) or np.isnan(raw[0, 0]) else float(raw[0, 0])
        return PointValue(product=self.spec.id, value=value, units=self.spec.units, x=x, y=y,
                          crs=crs, row=int(row), col=int(col))


def render_tile(path: str | Path, *, x: int, y: int, z: int, tms: str = "WebMercatorQuad",
                tilesize: int = 256, product: str | None = None) -> bytes:
    """Render one PNG tile of a product COG (opens and closes the file).

    Opening costs a PROJ operation lookup (tens of ms); servers should keep one
    :class:`ProductReader` per product open instead.
    """
    with ProductReader(path, product=product) as reader:
        return reader.tile(x=x, y=y, z=z, tms=tms, tilesize=tilesize)


def point_value(path: str | Path, *, x: float, y: float, crs: str = "EPSG:4326",
                product: str | None = None) -> PointValue:
    """The value of a raster at (x, y) in ``crs`` (opens and closes the file).

    ``product`` is needed for files without a PRODUCT tag, e.g. a user's DEM (``terrain``).
    """
    with ProductReader(path, product=product) as reader:
        return reader.point(x=x, y=y, crs=crs)

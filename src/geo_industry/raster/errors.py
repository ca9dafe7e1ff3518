"""Domain errors of the raster core.

Every raster fault raised on purpose by :mod:`geo_industry.raster` derives from :class:`RasterError`,
so the web layer can map the whole family with one handler and each subclass to its own status.
A parameter outside its documented domain is the core's
:class:`~geo_industry.errors.InvalidParameter`, the same fault wherever it is raised.
Messages name the argument, the value received and what was expected.
"""

from __future__ import annotations

from geo_industry.errors import GeoIndustryError

__all__ = [
    "RasterError",
    "NotARasterError",
    "MissingCRSError",
    "NoCoverageError",
    "EmptyTargetsError",
    "UnknownProductError",
    "TerrainNotConfiguredError",
    "UnknownProfileError",
    "TileOutsideBoundsError",
    "PointOutsideRasterError",
    "EmptyZoneError",
]


class RasterError(GeoIndustryError):
    """Base class of every error raised by the raster core (a GeoIndustryError)."""


class NotARasterError(RasterError):
    """The given file does not exist or cannot be opened as a raster."""


class MissingCRSError(RasterError):
    """A raster or a GeoDataFrame has no coordinate reference system."""


class NoCoverageError(RasterError):
    """A raster does not cover the area of interest (enough)."""


class EmptyTargetsError(RasterError):
    """A distance was asked to a set of features that has no usable geometry."""


class UnknownProductError(RasterError, KeyError):
    """A raster product name is not one of the known products."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class TerrainNotConfiguredError(UnknownProductError):
    """A terrain product (terrain, slope, hillshade) was asked for but no usable DEM is configured."""


class UnknownProfileError(RasterError, KeyError):
    """An investor profile name is not one of the presets."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class TileOutsideBoundsError(RasterError):
    """A requested map tile does not intersect the raster."""


class PointOutsideRasterError(RasterError):
    """A point query falls outside the raster."""


class EmptyZoneError(RasterError):
    """A zone polygon is empty, null or does not overlap the raster."""

"""Raster layers and investment-planning analysis (pure Python: no web framework, no maps).

Modules, lowest level first:

- :mod:`~geo_industry.raster.grid`: metric grids, ground pixel size.
- :mod:`~geo_industry.raster.terrain`: load a DEM onto a metric grid, slope, hillshade.
- :mod:`~geo_industry.raster.accessibility`: distance rasters (km) to target features.
- :mod:`~geo_industry.raster.criteria`, :mod:`~geo_industry.raster.suitability`: scoring,
  weights, exclusions, the suitability surface and its explanations.
- :mod:`~geo_industry.raster.cog`, :mod:`~geo_industry.raster.manifest`,
  :mod:`~geo_industry.raster.build`: COG products rebuilt only when inputs change.
- :mod:`~geo_industry.raster.products`, :mod:`~geo_industry.raster.tiles`,
  :mod:`~geo_industry.raster.zonal`: legends, tiles, point values, zonal statistics.
- :mod:`~geo_industry.raster.layers`, :mod:`~geo_industry.raster.analysis`,
  :mod:`~geo_industry.raster.profiles`, :mod:`~geo_industry.raster.valuechain`: zone analysis,
  investor rankings and mine → plant links.
- :mod:`~geo_industry.raster.service`: all of the above for one data revision of a store, as the
  API, the maps and ``geo-industry analyse`` use it.

Importing the package imports none of them: each name is imported from its module on first use
(:func:`__getattr__`), so a process that needs only the light modules (the features API needs
:mod:`~geo_industry.raster.analysis` and :mod:`~geo_industry.raster.properties`) never loads
rasterio, rio-tiler or SciPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geo_industry.raster.accessibility import DistanceRaster, distance_raster
    from geo_industry.raster.analysis import (
        RankedZone,
        Ranking,
        ZoneAssessment,
        assess_zones,
        rank_zones,
        ranking_to_geodataframe,
    )
    from geo_industry.raster.build import (
        BuildConfig,
        BuildResult,
        build_rasters,
        list_products,
        product_path,
    )
    from geo_industry.raster.cog import is_valid_cog, write_cog
    from geo_industry.raster.errors import (
        EmptyTargetsError,
        EmptyZoneError,
        MissingCRSError,
        NoCoverageError,
        NotARasterError,
        PointOutsideRasterError,
        RasterError,
        TerrainNotConfiguredError,
        TileOutsideBoundsError,
        UnknownProductError,
        UnknownProfileError,
    )
    from geo_industry.raster.grid import RasterGrid, metric_grid
    from geo_industry.raster.layers import load_layers, target_layers
    from geo_industry.raster.manifest import ProductInfo
    from geo_industry.raster.products import PRODUCTS, Legend, LegendStop, legend_for
    from geo_industry.raster.profiles import PROFILES, InvestorProfile, profile_config
    from geo_industry.raster.service import RasterService
    from geo_industry.raster.suitability import (
        SuitabilityConfig,
        SuitabilityExplanation,
        SuitabilitySurface,
        suitability_surface,
    )
    from geo_industry.raster.terrain import Dem, hillshade, load_dem, slope_degrees
    from geo_industry.raster.tiles import (
        TILE_MATRIX_SETS,
        PointValue,
        ProductReader,
        point_value,
        render_tile,
    )
    from geo_industry.raster.valuechain import CapacityUtilisation, ValueChainLink, link_value_chain
    from geo_industry.raster.zonal import ZonalStatistics, zonal_statistics, zonal_statistics_array

#: Public name -> the module defining it.
_MODULE_OF = {
    "DistanceRaster": "geo_industry.raster.accessibility",
    "distance_raster": "geo_industry.raster.accessibility",
    "RankedZone": "geo_industry.raster.analysis",
    "Ranking": "geo_industry.raster.analysis",
    "ZoneAssessment": "geo_industry.raster.analysis",
    "assess_zones": "geo_industry.raster.analysis",
    "rank_zones": "geo_industry.raster.analysis",
    "ranking_to_geodataframe": "geo_industry.raster.analysis",
    "BuildConfig": "geo_industry.raster.build",
    "BuildResult": "geo_industry.raster.build",
    "build_rasters": "geo_industry.raster.build",
    "list_products": "geo_industry.raster.build",
    "product_path": "geo_industry.raster.build",
    "is_valid_cog": "geo_industry.raster.cog",
    "write_cog": "geo_industry.raster.cog",
    "EmptyTargetsError": "geo_industry.raster.errors",
    "EmptyZoneError": "geo_industry.raster.errors",
    "MissingCRSError": "geo_industry.raster.errors",
    "NoCoverageError": "geo_industry.raster.errors",
    "NotARasterError": "geo_industry.raster.errors",
    "PointOutsideRasterError": "geo_industry.raster.errors",
    "RasterError": "geo_industry.raster.errors",
    "TerrainNotConfiguredError": "geo_industry.raster.errors",
    "TileOutsideBoundsError": "geo_industry.raster.errors",
    "UnknownProductError": "geo_industry.raster.errors",
    "UnknownProfileError": "geo_industry.raster.errors",
    "RasterGrid": "geo_industry.raster.grid",
    "metric_grid": "geo_industry.raster.grid",
    "load_layers": "geo_industry.raster.layers",
    "target_layers": "geo_industry.raster.layers",
    "ProductInfo": "geo_industry.raster.manifest",
    "Legend": "geo_industry.raster.products",
    "LegendStop": "geo_industry.raster.products",
    "PRODUCTS": "geo_industry.raster.products",
    "legend_for": "geo_industry.raster.products",
    "InvestorProfile": "geo_industry.raster.profiles",
    "PROFILES": "geo_industry.raster.profiles",
    "profile_config": "geo_industry.raster.profiles",
    "RasterService": "geo_industry.raster.service",
    "SuitabilityConfig": "geo_industry.raster.suitability",
    "SuitabilityExplanation": "geo_industry.raster.suitability",
    "SuitabilitySurface": "geo_industry.raster.suitability",
    "suitability_surface": "geo_industry.raster.suitability",
    "Dem": "geo_industry.raster.terrain",
    "hillshade": "geo_industry.raster.terrain",
    "load_dem": "geo_industry.raster.terrain",
    "slope_degrees": "geo_industry.raster.terrain",
    "PointValue": "geo_industry.raster.products",
    "ProductReader": "geo_industry.raster.tiles",
    "TILE_MATRIX_SETS": "geo_industry.raster.tiles",
    "point_value": "geo_industry.raster.tiles",
    "render_tile": "geo_industry.raster.tiles",
    "CapacityUtilisation": "geo_industry.raster.valuechain",
    "ValueChainLink": "geo_industry.raster.valuechain",
    "link_value_chain": "geo_industry.raster.valuechain",
    "ZonalStatistics": "geo_industry.raster.zonal",
    "zonal_statistics": "geo_industry.raster.zonal",
    "zonal_statistics_array": "geo_industry.raster.zonal",
}

__all__ = [
    "BuildConfig", "BuildResult", "CapacityUtilisation", "Dem", "DistanceRaster",
    "EmptyTargetsError", "EmptyZoneError", "InvestorProfile", "Legend",
    "LegendStop", "MissingCRSError", "NoCoverageError", "NotARasterError", "PRODUCTS",
    "PROFILES", "PointOutsideRasterError", "PointValue", "ProductInfo", "ProductReader",
    "RankedZone", "Ranking", "RasterError", "RasterGrid", "RasterService", "SuitabilityConfig",
    "SuitabilityExplanation", "SuitabilitySurface", "TILE_MATRIX_SETS", "TerrainNotConfiguredError",
    "TileOutsideBoundsError",
    "UnknownProductError", "UnknownProfileError", "ValueChainLink", "ZonalStatistics",
    "ZoneAssessment", "assess_zones", "build_rasters", "distance_raster", "hillshade",
    "is_valid_cog", "legend_for", "link_value_chain", "list_products", "load_dem",
    "load_layers", "metric_grid", "point_value", "product_path", "profile_config",
    "rank_zones", "ranking_to_geodataframe", "render_tile", "slope_degrees",
    "suitability_surface", "target_layers", "write_cog", "zonal_statistics",
    "zonal_statistics_array",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

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
"""

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

"""geo-industry: industrial investment geo-layers, API, maps and rasters for Lào Cai province."""

__version__ = "0.1.0"

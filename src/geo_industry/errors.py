"""Domain errors. The core raises these; the API maps them to HTTP statuses in one place."""

from __future__ import annotations


class GeoIndustryError(Exception):
    """Base of every error this package raises on purpose."""


class NotFound(GeoIndustryError):
    """A named thing does not exist."""


class CollectionNotFound(NotFound):
    """No layer (collection) with that id."""


class FeatureNotFound(NotFound):
    """No feature with that id in the layer."""


class InvalidParameter(GeoIndustryError):
    """A query parameter has a value we cannot use. Messages name parameter, value, expectation."""

    def __init__(self, parameter: str, value: object, expected: str) -> None:
        self.parameter = parameter
        self.value = value
        self.expected = expected
        super().__init__(f"invalid {parameter}={value!r}: expected {expected}")


class InvalidBBox(InvalidParameter):
    """Malformed bbox."""


class InvalidLimit(InvalidParameter):
    """limit or offset out of range."""


class InvalidDatetime(InvalidParameter):
    """Malformed datetime or interval."""


class InvalidCRS(InvalidParameter):
    """A CRS that is not supported."""


class InvalidFilter(InvalidParameter):
    """CQL2 filter that cannot be parsed or uses what we do not support."""


class InvalidSortBy(InvalidParameter):
    """sortby names an unknown property."""


class InvalidProperty(InvalidParameter):
    """properties= names an unknown property."""


class UnknownParameter(InvalidParameter):
    """A query parameter the endpoint does not know."""


class DataError(GeoIndustryError):
    """The embedded data or a statistics table is inconsistent (e.g. unknown entity)."""


class ExportError(GeoIndustryError):
    """An export could not be written."""

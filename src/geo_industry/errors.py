"""Domain errors. The core raises these; the API maps them to HTTP statuses in one place."""

from __future__ import annotations

from functools import partial
from typing import Any


class GeoIndustryError(Exception):
    """Base of every error this package raises on purpose."""


class NotFound(GeoIndustryError):
    """A named thing does not exist."""


class CollectionNotFound(NotFound):
    """No layer (collection) with that id."""


class FeatureNotFound(NotFound):
    """No feature with that id in the layer."""


class InvalidParameter(GeoIndustryError, ValueError):
    """A parameter (of a request or of a core function) has a value we cannot use.

    ``parameter``, ``value`` and ``expected`` say what was wrong; the message names all three,
    as ``invalid {parameter}={value!r}: expected {expected}`` unless a fuller ``message`` is given.
    A ``ValueError`` too, so pydantic validators that call the core report it as a validation error.
    """

    def __init__(self, parameter: str, value: object, expected: str, *, message: str | None = None) -> None:
        self.parameter = parameter
        self.value = value
        self.expected = expected
        super().__init__(message or f"invalid {parameter}={value!r}: expected {expected}")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its fields (a raster build in another process raises it to the caller)."""
        return partial(type(self), message=str(self)), (self.parameter, self.value, self.expected), self.__dict__


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


class BudgetExceeded(GeoIndustryError):
    """The work a request triggered ran past the request time budget."""

    def __init__(self, budget_s: float | None = None) -> None:
        self.budget_s = budget_s
        within = "its time budget" if budget_s is None else f"its time budget of {budget_s:g} s"
        super().__init__(f"the request could not be answered within {within}; narrow the selection "
                         "(bbox, filter, limit) or try again later")


class DataError(GeoIndustryError):
    """The embedded data or a statistics table is inconsistent (e.g. unknown entity)."""


class ExportError(GeoIndustryError):
    """An export could not be written."""


class InvalidFeature(GeoIndustryError):
    """A feature (or statistics row, or layer) sent for writing breaks the data rules."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        detail = "; ".join(self.problems[:20])
        super().__init__(f"{message}: {detail}" if detail else message)


class InvalidUpload(InvalidFeature):
    """An uploaded file or its metadata refused before its features are read (CRS, views, headers)."""


class Conflict(GeoIndustryError):
    """The write collides with existing data (e.g. a feature id already taken)."""


class PreconditionFailed(GeoIndustryError):
    """An If-Match precondition does not hold: the client edited a stale version."""


class NotAuthenticated(GeoIndustryError):
    """No valid credentials were given for an operation that needs them."""


class PermissionDenied(GeoIndustryError):
    """The credentials lack the scope the operation needs."""


class LimitExceeded(GeoIndustryError):
    """Input exceeds a configured limit (size, count, vertices, depth)."""

    def __init__(self, what: str, value: object, limit: object) -> None:
        self.what = what
        self.value = value
        self.limit = limit
        super().__init__(f"{what} is {value}, above the limit of {limit}")


class DownloadTooLarge(LimitExceeded):
    """A download's selection holds more features than one file may: the client narrows it, pages, or exports."""

    def __init__(self, collection: str, features: int, limit: int) -> None:
        super().__init__(f"the selection of collection '{collection}'", f"{features} features",
                         f"{limit} features per download (GEO_INDUSTRY_MAX_DOWNLOAD_FEATURES)")
        self.args = (f"{self.args[0]}; narrow it with bbox, datetime or filter, page through "
                     f"/collections/{collection}/items (limit and the next links), draw it from "
                     f"/collections/{collection}/tiles, or export the whole layer with "
                     f"`geo-industry export {collection}`",)

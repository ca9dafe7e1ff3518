"""A bounded schemathesis run against our OpenAPI 3.0 document, on the real app (ASGI, no server).

A few generated examples per operation; every response must be below 500 and conform to the
document: documented status code, documented content type, body valid against the schema.
(Schemathesis' pytest plugin does not run under our pytest, so the Python API drives it here.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from geo_industry.api import create_app
from geo_industry.settings import Settings

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 15
EXAMPLES_PER_MAP_PAGE = 3  # the maps' pages render whole Folium maps (seconds each)
#: a hang guard for one call (a loaded CI machine renders a map page in well over the library's 10 s)
CALL_TIMEOUT_S = 300
OPERATION_IDS = sorted(
    operation["operationId"]
    for item in create_app(Settings(_env_file=None)).openapi()["paths"].values()  # type: ignore[call-arg]
    for operation in item.values()
)


@pytest.fixture(scope="module")
def api_schema(settings: Settings) -> schemathesis.BaseSchema:
    """The document as the app serves it at /api."""
    return schemathesis.openapi.from_asgi("/api", create_app(settings))


@pytest.mark.slow
@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_operation_conforms_to_the_openapi(api_schema: schemathesis.BaseSchema, operation_id: str) -> None:
    operation = api_schema.find_operation_by_id(operation_id)  # type: ignore[attr-defined]

    examples = EXAMPLES_PER_MAP_PAGE if operation_id.startswith("maps_") else EXAMPLES_PER_OPERATION

    @given(case=operation.as_strategy())
    @hypothesis_settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS, timeout=CALL_TIMEOUT_S)

    check()

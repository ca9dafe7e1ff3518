"""Proven by tests: a bounded schemathesis run over the whole OpenAPI with editing on finds no 5xx.

Every operation of the editing deployment's document (reads and writes) gets generated requests
twice: without a token and with a key holding every scope. Writes get more examples than reads
(the reads have their own, larger run in tests/api/test_schemathesis.py); map pages get one.
Writes also get negative data (bodies and parameters that break the schema) with a token:
still no 5xx.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from tests.conftest import DATA_DIR
from tests.editing.conftest import bearer, create_tokens, editing_settings

from geo_industry.api import create_app
from geo_industry.store.sqlite import SQLiteStore

WRITE_EXAMPLES = 10
READ_EXAMPLES = 1
METHODS = ("get", "post", "put", "patch", "delete")
#: a hang guard for one call (a loaded CI machine renders a map page in well over the library's 10 s)
CALL_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def editing_app(tmp_path_factory) -> Iterator[tuple[schemathesis.BaseSchema, str]]:
    """The schema served by an editing app over a fresh store, and a token with every scope."""
    path = tmp_path_factory.mktemp("schemathesis") / "store.sqlite"
    SQLiteStore.open(path, seed_dir=DATA_DIR).close()
    token = create_tokens(path)["all"]
    app = create_app(editing_settings(path))
    with TestClient(app):  # run the lifespan once: the store stays open for the generated calls
        yield schemathesis.openapi.from_asgi("/api", app), token


def _cases() -> list[tuple[str, str, bool]]:
    """(operation id, method, with a token) for every operation: reads once, writes with and without a token."""
    document = create_app(editing_settings(DATA_DIR / "unused.sqlite")).openapi()
    operations = sorted((operation["operationId"], method) for item in document["paths"].values()
                        for method, operation in item.items() if method in METHODS)
    return [(op, method, token) for op, method in operations for token in ((False,) if method == "get"
                                                                         else (False, True))]


@pytest.mark.slow
@pytest.mark.parametrize(("operation_id", "method", "with_token"), _cases())
def test_no_server_error(editing_app, operation_id: str, method: str, with_token: bool) -> None:
    schema, token = editing_app
    operation = schema.find_operation_by_id(operation_id)  # type: ignore[attr-defined]
    examples = 1 if operation_id.startswith("maps_") else WRITE_EXAMPLES if method != "get" else READ_EXAMPLES
    headers = bearer(token) if with_token else {}

    @given(case=operation.as_strategy())
    @hypothesis_settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=[not_a_server_error], headers=headers, timeout=CALL_TIMEOUT_S)

    check()


def _write_operations() -> list[tuple[str, str]]:
    return [(op, method) for op, method, token in _cases() if token]


@pytest.mark.slow
@pytest.mark.parametrize(("operation_id", "method"), _write_operations())
def test_no_server_error_on_negative_data(editing_app, operation_id: str, method: str) -> None:
    schema, token = editing_app
    operation = schema.find_operation_by_id(operation_id)  # type: ignore[attr-defined]

    @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    @hypothesis_settings(max_examples=WRITE_EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=[not_a_server_error], headers=bearer(token), timeout=CALL_TIMEOUT_S)

    check()

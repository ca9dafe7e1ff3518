"""A database that cannot answer is a 503 with a message and ``Retry-After``, never a 500.

Real psycopg errors, from a real connection attempt and a real pool, against a loopback port
nothing listens on; the handlers are the app's own (``add_exception_handlers``).
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg_pool import ConnectionPool
from tests.live_server import free_port

from geo_industry.api.errors import DATABASE_UNAVAILABLE, add_exception_handlers


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    url = f"postgresql://nobody:secret-password@127.0.0.1:{free_port()}/none"
    app = FastAPI()
    add_exception_handlers(app)
    pool = ConnectionPool(url, min_size=0, max_size=1, timeout=0.5, open=True)

    @app.get("/connect")
    def connect() -> None:
        psycopg.connect(url, connect_timeout=2).close()

    @app.get("/pooled")
    def pooled() -> None:
        with pool.connection() as conn:
            conn.execute("SELECT 1")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    pool.close()


@pytest.mark.parametrize("path", ["/connect", "/pooled"])
def test_an_unreachable_database_is_503_with_retry_after(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body == {"code": "ServiceUnavailable", "description": DATABASE_UNAVAILABLE}
    assert "secret-password" not in response.text and "127.0.0.1" not in response.text

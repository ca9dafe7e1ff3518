"""``geo-industry serve --workers N`` on the postgis backend checks the database once, before the workers start."""

from __future__ import annotations

import pytest
from tests.pgcluster import Cluster
from tests.postgis.databases import new_database
from typer.testing import CliRunner

from geo_industry.cli import app


@pytest.mark.parametrize("problem", ["no schema", "unreachable"])
def test_serve_with_workers_refuses_a_database_it_cannot_serve(pg_cluster: Cluster, problem: str) -> None:
    url = new_database(pg_cluster, "empty") if problem == "no schema" else "postgresql://postgres@127.0.0.1:1/none"
    with_password = url.replace("postgres@", "postgres:hunter2@")  # loopback trust ignores it; it must not show
    result = CliRunner().invoke(app, ["serve", "--workers", "2"], env={
        "GEO_INDUSTRY_STORE_BACKEND": "postgis", "GEO_INDUSTRY_DATABASE_URL": with_password})
    message = " ".join(result.output.split())  # as one line (the console wraps it)
    assert result.exit_code == 3, message
    assert ("run `geo-industry db init`" if problem == "no schema" else "cannot use the database") in message
    assert "hunter2" not in message

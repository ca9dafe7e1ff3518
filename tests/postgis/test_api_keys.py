"""API keys on the PostGIS backend live in its database: every worker checks the same keys.

- The key table itself (:class:`PostGISKeys`): a token authenticates its key, a wrong secret or a
  revoked key does not, the list never holds a secret, a database without the table says to run
  ``db init``.
- For real: ``geo-industry keys create`` run against the database makes a key that a 2-worker
  server accepts through both workers; ``keys revoke`` and both refuse it. Keys kept in the SQLite
  file are not the PostGIS server's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import DATA_DIR, REPO_ROOT
from tests.editing.conftest import GATE_URL, MERGE_PATCH, bearer, create_tokens
from tests.pgcluster import Cluster
from tests.postgis.databases import loaded_database, new_database
from tests.postgis.servers import Pinned, pinned_to_distinct_workers, server_env, serving

from geo_industry.errors import DataError, NotAuthenticated, NotFound
from geo_industry.store.postgis.api_keys import PostGISKeys
from geo_industry.store.postgis.connections import Database
from geo_industry.store.postgis.schema import init_schema


@pytest.fixture(scope="module")
def keys_db(pg_cluster: Cluster) -> str:
    """A database with the store's schema and no data; its URL."""
    url = new_database(pg_cluster, "keys")
    with Database(url, pool_size=1) as database, database.connection() as conn:
        init_schema(conn)
    return url


def test_the_key_table_authenticates_lists_and_revokes(keys_db: str) -> None:
    with Database(keys_db, pool_size=1) as database:
        keys = PostGISKeys(database)
        record, token = keys.create("planner", ["features:write", "stats:write"])
        assert keys.authenticate(token) == record
        assert record.scopes == ("features:write", "stats:write") and record.created_at.endswith("Z")
        secret = token.split("_", 2)[2]
        assert record.id in [key.id for key in keys.list()] and secret not in repr(keys.list())
        with pytest.raises(NotAuthenticated, match="unknown or wrong"):
            keys.authenticate(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
        keys.revoke(record.id)
        with pytest.raises(NotAuthenticated, match="revoked"):
            keys.authenticate(token)
        with pytest.raises(NotFound):
            keys.revoke(record.id)


def test_a_database_without_the_key_table_says_to_run_db_init(pg_cluster: Cluster) -> None:
    with Database(new_database(pg_cluster, "nokeys"), pool_size=1) as database, \
            pytest.raises(DataError, match="db init"):
        PostGISKeys(database).list()


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``geo-industry …`` in a subprocess with ``env``."""
    return subprocess.run([sys.executable, "-m", "geo_industry", *args], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)


def patch_status(pinned: Pinned, token: str, note: str) -> int:
    """The status of setting the gate's ``status_note`` through ``pinned``'s worker with ``token``."""
    etag = pinned.get(GATE_URL, **{"Cache-Control": "no-cache"}).headers["etag"]
    reply = pinned.request("PATCH", GATE_URL, body={"properties": {"status_note": note}},
                           headers={**MERGE_PATCH, **bearer(token), "If-Match": etag})
    return reply.status


def test_a_key_made_by_the_cli_is_accepted_by_every_worker_until_revoked(pg_cluster: Cluster,
                                                                          tmp_path: Path) -> None:
    url = loaded_database(pg_cluster, DATA_DIR, "keyed")
    env = server_env(url, tmp_path, editing="true")
    created = cli(env, "keys", "create", "--name", "planner", "--scope", "features:write")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    listed = cli(env, "keys", "list")
    assert "planner" in listed.stdout and token.split("_", 2)[2] not in listed.stdout
    assert not (tmp_path / "keys.sqlite").exists()  # not in the SQLite file
    file_token = create_tokens(tmp_path / "keys.sqlite")["all"]  # a key of the SQLite file, not the database's
    with serving(env, tmp_path, workers=2) as server:
        workers = pinned_to_distinct_workers(server, 2)
        assert [patch_status(pinned, token, f"by worker {n}") for n, pinned in enumerate(workers)] == [204, 204]
        assert [patch_status(pinned, file_token, "by a file key") for pinned in workers] == [401, 401]
        revoked = cli(env, "keys", "revoke", token.split("_")[1])
        assert revoked.returncode == 0, revoked.stderr
        assert [patch_status(pinned, token, "after revoking") for pinned in workers] == [401, 401]

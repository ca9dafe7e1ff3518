"""API keys on the PostGIS backend live in its database: every worker checks the same keys.

- The key table itself (:class:`PostGISKeys`): a token authenticates its key, a wrong secret or a
  revoked key does not, the list never holds a secret, a database without the table says to run
  ``db init``.
- For real: ``geo-industry keys create`` run against the database makes a key that a 2-worker
  server accepts through both workers; ``keys revoke`` and both refuse it. Keys kept in the SQLite
  file are not the PostGIS server's.
- Moving from the SQLite store: ``geo-industry db import-keys FILE`` copies the file's keys into the
  database hashed as they are; a token issued on the SQLite store then authenticates a write over HTTP,
  a revoked one stays refused, running it again changes nothing; a missing or corrupt file is an error
  naming it.
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
from geo_industry.keys import read_key_file
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


def test_keys_issued_on_the_sqlite_store_work_on_postgis_once_imported(pg_cluster: Cluster, tmp_path: Path) -> None:
    url = loaded_database(pg_cluster, DATA_DIR, "moved")
    env = server_env(url, tmp_path, editing="true")
    key_file = tmp_path / "sqlite-store.sqlite"
    tokens = create_tokens(key_file)  # one key per scope, one with all, one revoked: 5
    imported = cli(env, "db", "import-keys", str(key_file))
    assert imported.returncode == 0, imported.stderr
    assert f"imported 5 API keys from {key_file} (0 already in the database)" in " ".join(imported.stdout.split())
    again = cli(env, "db", "import-keys", str(key_file))
    assert again.returncode == 0, again.stderr
    assert "imported 0 API keys" in again.stdout and "(5 already in the database)" in " ".join(again.stdout.split())
    with Database(url, pool_size=1) as database, database.connection() as conn:
        stored = dict(conn.execute("SELECT id, hash FROM geo_industry.api_keys").fetchall())
    assert stored == {hashed.key.id: hashed.secret_hash for hashed in read_key_file(key_file)}  # hashed as stored
    with serving(env, tmp_path) as server:
        pinned = Pinned(server)
        assert patch_status(pinned, tokens["features:write"], "by a key issued on the SQLite store") == 204
        assert patch_status(pinned, tokens["revoked"], "by a key revoked on the SQLite store") == 401
        pinned.close()


def test_importing_a_missing_or_corrupt_key_file_names_it(pg_cluster: Cluster, keys_db: str, tmp_path: Path) -> None:
    env = server_env(keys_db, tmp_path)
    missing = tmp_path / "absent.sqlite"
    refused = cli(env, "db", "import-keys", str(missing))
    assert refused.returncode == 3 and f"{missing}: no such key file" in " ".join(refused.stderr.split())
    assert not missing.exists()
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"\x00garbage" * 500)
    refused = cli(env, "db", "import-keys", str(corrupt))
    assert refused.returncode == 3 and f"{corrupt}: not a readable SQLite key file" in " ".join(refused.stderr.split())

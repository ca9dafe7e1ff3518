"""The throwaway cluster itself: PostGIS answers, and a replica streams what the primary writes."""

from __future__ import annotations

import time

from tests.pgcluster import Cluster


def test_postgis_answers(pg_cluster: Cluster) -> None:
    assert pg_cluster.psql("geo_industry", "SELECT ST_AsText(ST_MakePoint(103.97, 22.48))") == "POINT(103.97 22.48)"


def test_replica_streams_primary_writes(pg_cluster: Cluster) -> None:
    pg_cluster.psql("geo_industry", "CREATE TABLE replication_probe (n int); INSERT INTO replication_probe VALUES (7)")
    replica = pg_cluster.start_replica()
    try:
        assert replica.psql("geo_industry", "SELECT pg_is_in_recovery()") == "t"
        pg_cluster.psql("geo_industry", "INSERT INTO replication_probe VALUES (8)")
        deadline = time.monotonic() + 60
        while replica.psql("geo_industry", "SELECT count(*) FROM replication_probe") != "2":
            assert time.monotonic() < deadline, "the replica did not receive the write"
            time.sleep(0.05)
    finally:
        replica.stop()
        pg_cluster.replicas.remove(replica)
        pg_cluster.psql("geo_industry", "DROP TABLE replication_probe")

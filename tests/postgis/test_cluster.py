"""The throwaway cluster itself: PostGIS answers, and a replica streams what the primary writes."""

from __future__ import annotations

from tests.pgcluster import Cluster
from tests.waiting import wait_for


def test_postgis_answers(pg_cluster: Cluster) -> None:
    assert pg_cluster.psql("geo_industry", "SELECT ST_AsText(ST_MakePoint(103.97, 22.48))") == "POINT(103.97 22.48)"


def test_replica_streams_primary_writes(pg_cluster: Cluster) -> None:
    pg_cluster.psql("geo_industry", "CREATE TABLE replication_probe (n int); INSERT INTO replication_probe VALUES (7)")
    replica = pg_cluster.start_replica()
    try:
        assert replica.psql("geo_industry", "SELECT pg_is_in_recovery()") == "t"
        pg_cluster.psql("geo_industry", "INSERT INTO replication_probe VALUES (8)")
        wait_for(lambda: replica.psql("geo_industry", "SELECT count(*) FROM replication_probe"),
                 lambda count: count == "2")  # the replica receives the write
    finally:
        replica.stop()
        pg_cluster.replicas.remove(replica)
        pg_cluster.psql("geo_industry", "DROP TABLE replication_probe")

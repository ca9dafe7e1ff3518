"""The PostGIS tests use the session cluster ``pg_cluster`` of tests/conftest.py (:mod:`tests.pgcluster`)."""

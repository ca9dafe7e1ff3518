"""One router module per OGC resource; :mod:`geo_industry.api.app` aggregates them."""

"""Source registry: the licence of the compilation and the dated documents the research cites.

The fact tables (``tables/``) carry their own source per row; ``DOC_DATES`` (``tables/document_dates.csv``)
dates the documents whose facts the rows carry, so that a feature's ``as_of`` is that of its newest
dated fact source.
"""

from __future__ import annotations

from .facts import read_table

LICENCE = (
    "The facts are public information compiled from the cited pages; zone outlines come from "
    "published decisions via the cited repository. The project's own compilation is offered "
    "under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)."
)
ATTRIBUTION = "geo-industry, compiled from the cited sources"

# (substring of URL, date, label, scope: the rows it is a fact source for; None = all)
DOC_DATES: list[tuple[str, str, str, str | None]] = [
    (row["url_contains"], row["date"], row["label"], row["scope"] or None) for row in read_table("document_dates.csv")
]
# Where a URL is only a coordinate anchor for a row, it is not a fact source for as_of:
APX_FACT_IDS = {"yb-luc-yen-gem-nuoc-ngop", "yb-tan-huong-gem", "yb-thac-ba-ports", "yb-ybb-caco3"}

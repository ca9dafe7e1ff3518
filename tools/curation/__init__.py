"""Curation of the research notes into the project's embedded data (``data/``).

``tools/curate.py`` and ``tools/curate_reference.py`` are the command lines; this package holds
the pieces: the source registry (``sources``), the fact tables (``tables``), one builder per
layer (``features``), the catalog and its field schemas (``catalog``, ``fields``), the statistics
and investor-fact tables (``statistics``, ``investor_facts``), the README (``readme``), the
changelog (``changes``), the reference layers of the basemap (``reference``) and the command
line (``cli``).
"""

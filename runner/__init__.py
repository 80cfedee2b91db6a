"""The example runner: run ``examples/**/*.py`` in Jupyter kernels and cache the results.

Independent of any site engine: it needs only nbclient, ipykernel, jupytext, nbformat and
what the examples import (audiodl, torch, matplotlib, ...). ``python -m runner`` runs the
examples from the command line (``--help``); the MkDocs hook ``hooks/examples.py`` asks
:func:`runner.batch.results` for the same results and only renders them.

Modules, one job each:

- ``project``: where a project's examples and cache are, and the examples' names;
- ``keys``: what identifies a result (source, audiodl package, cache format) and the
  environment it ran in (torch version, device kind);
- ``cache``: :class:`~runner.cache.Result` and the on-disk cache of results;
- ``kernel``: execute one example in a kernel (``kernel_side.py`` runs inside it);
- ``outputs``: turn an executed notebook into a result's files (figures in both
  languages, one notebook per language, the printed text);
- ``batch``: run every missing or stale example in parallel; the status of each;
- ``archive``: pack cache entries into one file and unpack them elsewhere;
- ``__main__``: the command line.
"""

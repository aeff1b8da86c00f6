"""Batch analysis of many clips: a local process pool or Ray Data, one output folder.

``formcheck.batch.run.run_batch(inputs, out, AnalysisOptions(...))`` is the library call
behind ``formcheck batch``; :mod:`formcheck.batch.run` documents the output folder and
``docs/batch.md`` running on a cluster. Nothing is imported here, so ``formcheck`` starts
without pyarrow or Ray.
"""

"""``formcheck serve``: a local web app over the library (analysis, triage, training log).

The app is thin: every page parses its input, calls the library's public entry points
(:func:`formcheck.pipeline.analyze_video`, :func:`formcheck.triage.triage`, the log's
records and findings, :func:`formcheck.report.write_outputs`) and renders the answer. The
entry point is :func:`formcheck.web.app.create_app`; ``formcheck serve`` runs it under
uvicorn.
"""

"""Periodic reports in the formats officials use: Excel, Word, CSV and JSON, with charts.

``reports.data`` assembles one report model from the replay (``replay.reports``); every format
renders that same model, so an Excel sheet, a Word table and a CSV row cannot disagree.
"""

from reports import submission  # noqa: F401  (registers the report submission use case)

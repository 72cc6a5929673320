"""Web pages in Vietnamese over the read models: plan overview, task board, targets,
inspections, apologies, audit trail, timelines, reports and what changed since a submission."""

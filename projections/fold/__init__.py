"""The fold of each aggregate's events into view documents, one module per aggregate."""

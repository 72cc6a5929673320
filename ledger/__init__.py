"""The application layer and its infrastructure: use cases, recorders, configuration."""

"""Plan files: the structured form of a published plan, its parser and the bundled plans."""

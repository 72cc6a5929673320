"""Entry points: the ``parledger`` CLI and the HTTP API. They translate; the application decides."""

"""Point-in-time replay (as of a valid date, as known at a transaction time)."""

"""ParLedger's domain: aggregates, their events, rules and errors. Imports nothing outside."""

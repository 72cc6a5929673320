"""The regime's rules as versioned data: the working-day calendar and the rule sets that decide
what is late, owed or scored. Pure functions over packaged data; no I/O but reading it."""

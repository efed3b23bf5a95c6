"""Sources: one module per vendor, each turning its API into our records."""

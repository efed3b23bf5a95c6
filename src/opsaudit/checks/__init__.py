"""The checks of rules.md: pure functions from a Context to Results."""

"""opsaudit: a scheduled compliance auditor for incident response."""

__version__ = "0.1.0"

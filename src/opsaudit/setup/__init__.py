"""Getting started: ``opsaudit init``, ``check-config`` and the sandbox's files and secrets."""

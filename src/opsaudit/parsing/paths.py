"""Which repository paths are post-mortems (``rules.md``, "Files that are not
post-mortems": a path that leaves the post-mortem folder is not one).

A post-mortem's path is written plainly, relative to the repository: no leading ``/``,
no empty, ``.`` or ``..`` segment (also between backslashes, as Windows would read
them), no NUL; and it lies under the folder (``docs/incidents`` and
``docs/incidents/`` name the same folder, never ``docs/incidents-archive``).
``docs/incidents/../../etc/passwd.md`` is therefore not a post-mortem, whatever it
resolves to. Symbolic links (git mode ``120000``) are not post-mortems either; the
source, which sees modes, leaves them out (:data:`SYMLINK_MODE`). Pure, never raises.
"""

from __future__ import annotations

import re

__all__ = ["SYMLINK_MODE", "is_plain_path", "is_postmortem_path"]

SYMLINK_MODE = "120000"
_SEGMENTS = re.compile(r"[/\\]")


def is_plain_path(path: str) -> bool:
    """Whether ``path`` is relative and has no empty, ``.`` or ``..`` segment, no NUL."""
    if not path or path.startswith(("/", "\\")) or "\0" in path:
        return False
    return all(part not in ("", ".", "..") for part in _SEGMENTS.split(path))


def is_postmortem_path(path: str, folder: str) -> bool:
    """Whether ``path`` is a file directly or deeper under ``folder``, written plainly
    (see the module's docstring); an empty folder is the repository's root."""
    prefix = folder.strip("/")
    if not is_plain_path(path):
        return False
    return not prefix or path.startswith(prefix + "/")

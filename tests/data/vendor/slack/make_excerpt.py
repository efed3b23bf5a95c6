"""Rebuild ``shapes.json`` from Slack's method samples (run by hand, not by tests).

    python tests/data/vendor/slack/make_excerpt.py /path/to/json-logs/samples/api

Source: slackapi/java-slack-sdk@86ff7ca json-logs/samples/api/<method>.json (MIT).
Those samples list every field a method's answer has been seen with (values blanked).
We keep the key skeleton, cut to DEPTH levels; rich-text subtrees (blocks, attachments,
files) are cut to their first level, as the sandbox only passes them through.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

METHODS = [
    "auth.test",
    "conversations.list",
    "conversations.info",
    "conversations.history",
    "conversations.replies",
    "users.list",
    "users.info",
    "users.lookupByEmail",
    "chat.postMessage",
]
DEPTH = 4
SHALLOW = {"blocks", "attachments", "files", "bot_profile", "root", "metadata"}


def skeleton(value: Any, depth: int = 0) -> Any:
    """Keys and scalar samples, lists cut to one item, deep subtrees dropped."""
    if isinstance(value, dict):
        if depth >= DEPTH:
            return {}
        return {
            key: (
                []
                if key in SHALLOW and isinstance(item, list)
                else {}
                if key in SHALLOW and isinstance(item, dict)
                else skeleton(item, depth + 1)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [skeleton(value[0], depth + 1)] if value else []
    return value


def main(folder: Path) -> None:
    shapes = {m: skeleton(json.loads((folder / f"{m}.json").read_text())) for m in METHODS}
    comment = "Key skeletons of slackapi/java-slack-sdk@86ff7ca json-logs/samples/api (MIT)"
    out = Path(__file__).with_name("shapes.json")
    out.write_text(json.dumps({"$comment": comment, **shapes}, indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""Slack's per-method rate limits, as the sandbox can impose them.

Slack limits each Web API method per app and workspace by its tier (docs.slack.dev,
"Rate limits"): Tier 1 allows 1+ request a minute, Tier 2 20+, Tier 3 50+, Tier 4 100+;
special methods have their own rules (``chat.postMessage``: about one message a second
per channel). Over the limit it answers HTTP 429 with ``Retry-After`` in whole seconds.

Since 2025-05-29, commercially distributed apps not approved for the Marketplace (and,
from 2026-03-03, their existing installs) may call ``conversations.history`` and
``conversations.replies`` only once a minute, with at most 15 messages a page
(``non_marketplace``). ``minute`` scales the window so that tests stay short.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
# each method the sandbox serves, by its documented tier ("special": its own rule)
METHOD_TIERS: dict[str, int | str] = {
    "auth.test": "special",
    "conversations.list": 2,
    "conversations.info": 3,
    "conversations.history": 3,
    "conversations.replies": 3,
    "conversations.join": 3,
    "users.list": 2,
    "users.info": 4,
    "users.lookupByEmail": 3,
    "chat.postMessage": "special",
    "chat.getPermalink": "special",
}
SPECIAL_PER_MINUTE = {"auth.test": 600, "chat.getPermalink": 600, "chat.postMessage": 60}
NON_MARKETPLACE_METHODS = ("conversations.history", "conversations.replies")
NON_MARKETPLACE_PAGE = 15


@dataclass
class SlackLimits:
    """Which limits to impose. ``minute`` is the window in real seconds (60 for Slack's)."""

    minute: float = 60.0
    non_marketplace: bool = False  # history and replies: 1 a minute, 15 messages a page
    per_minute: dict[str, int] = field(default_factory=dict)  # overrides, by method
    _calls: dict[str, deque[float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def allowed(self, method: str) -> int:
        """Requests ``method`` may make per window."""
        if method in self.per_minute:
            return self.per_minute[method]
        if self.non_marketplace and method in NON_MARKETPLACE_METHODS:
            return 1
        tier = METHOD_TIERS.get(method, 3)
        if isinstance(tier, int):
            return TIER_PER_MINUTE[tier]
        return SPECIAL_PER_MINUTE.get(method, 60)

    def page_max(self, method: str, maximum: int) -> int:
        """The largest page ``method`` serves under these limits."""
        if self.non_marketplace and method in NON_MARKETPLACE_METHODS:
            return min(maximum, NON_MARKETPLACE_PAGE)
        return maximum

    def admit(self, key: str, method: str) -> int | None:
        """None when a call of ``method`` (counted under ``key``: the method, or the
        method and channel for posting) is within its limit now; else the whole seconds
        to put in ``Retry-After``."""
        now = time.monotonic()
        with self._lock:
            calls = self._calls.setdefault(key, deque())
            while calls and calls[0] <= now - self.minute:
                calls.popleft()  # a sliding window: bounded by the method's allowance
            if len(calls) < self.allowed(method):
                calls.append(now)
                return None
            return max(1, math.ceil(calls[0] + self.minute - now))

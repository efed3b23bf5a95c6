"""Pacing each Slack method by what Slack's own 429 answers say.

Slack limits every Web API method on its own (its tier: 1+, 20+, 50+ or 100+ requests a
minute; since 2025, ``conversations.history`` and ``conversations.replies`` of apps
outside the Marketplace only once a minute). The limits a workspace applies are not
announced, so the source learns them: when a method is answered 429 with
``Retry-After: R`` after ``n`` calls got through since its last 429, its calls are
spaced ``R / n`` seconds apart from then on. Under one call a minute that is a call a
minute, with no further 429; under a tier that allows bursts it is about the tier's
rate. Every wait goes through the source's deadline (said in the progress output, and
refused when it would pass the source's timeout).
"""

from __future__ import annotations

import time

from opsaudit.sources.base import Deadline


class Pacer:
    """Per method: when it was last called, and how far apart its calls must be."""

    def __init__(self, deadline: Deadline) -> None:
        self._deadline = deadline
        self._last: dict[str, float] = {}  # monotonic time of the method's latest call
        self._through: dict[str, int] = {}  # calls answered since its last 429
        self._interval: dict[str, float] = {}

    def before(self, method: str) -> None:
        """Wait, if the method's learned spacing asks for it, then note the call."""
        interval = self._interval.get(method)
        if interval is not None and method in self._last:
            wait = self._last[method] + interval - time.monotonic()
            if wait > 0:
                self._deadline.wait(wait, why=f"pacing {method}", hint="learned from Retry-After")
        self._last[method] = time.monotonic()

    def answered(self, method: str) -> None:
        """A call of the method got its answer."""
        self._through[method] = self._through.get(method, 0) + 1

    def limited(self, method: str, wait: float) -> None:
        """The method was answered 429 and will be retried after ``wait`` seconds."""
        self._interval[method] = wait / max(1, self._through.pop(method, 0))
        self._last[method] = time.monotonic() + wait  # when the retry goes out

    def interval(self, method: str) -> float | None:
        """The spacing learned for a method, if it was ever limited."""
        return self._interval.get(method)

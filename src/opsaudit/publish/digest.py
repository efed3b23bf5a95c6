"""The Slack digest (``opsaudit digest``): what is new since the last one, in one message.

One Block Kit message to the digest channel: a header; a summary (how many violations
are new since the last digest, how many are still open, how many items are due soon, or
"No new violations since the last digest; N still open"); a warning when a source
failed; the new violations grouped by check (the catalogue's title), each line with its
severity, subject (incident ``#number`` and title, post-mortem path, action item) linked
to its URL, service, message, a link to its evidence and its owners mentioned as
``<@U…>`` where Slack knows their e-mail; the post-mortems and action items due within
``policy.due_soon_days``; a link to the report; the as-of and window.

What does not fit Slack's limits (50 blocks, 3,000 characters a section, and well below
the ~12,000 characters a message where ``msg_blocks_too_long`` appears) goes on in
thread replies under the same limits (:mod:`opsaudit.publish.digest_layout`). Every text
from a source is escaped for mrkdwn (:mod:`opsaudit.publish.mrkdwn`).

"New" means: a violation now, and not announced by an earlier digest during its current
life (a violation that was resolved and came back after its announcement is new again).
Sending twice posts nothing the second time: a digest is recorded under the SHA-256 of
its content, and with nothing new a digest posts only if none was posted yet for the
same as-of.

API::

    build_digest(*, run, already_announced, mentions, report_link, checks_titles)
        -> Digest                    # pure; mentions: lower-case e-mail -> chat user id
    send_digest(*, poster, channel, run, engine, report_link, dry_run=False,
                checks_titles=None) -> DigestOutcome   # poster: a publish.chat.ChatPoster
    already_announced(*, session) -> set[(rule, subject key)]

Owners come with the results (``Result.owners``: e-mail addresses). Deadlines due soon
are the pending results of the catalogue's deadline checks (``CheckSpec.deadline``).

``Digest`` has ``blocks``, ``replies``, ``text``, ``announced``, ``fingerprint``,
``as_of``, ``still_open``, ``placement`` (the keys each message carries) and
``as_json()`` for ``--dry-run``. ``DigestOutcome`` has ``posted``, ``ts``, ``digest``,
``reason`` (posted | dry_run | already_sent | nothing_new_already_sent), ``channel_id``
and ``warnings``.
"""

from __future__ import annotations

from opsaudit.publish.chat import ChatPoster
from opsaudit.publish.digest_build import Digest, build_digest, due_soon
from opsaudit.publish.digest_send import DigestOutcome, already_announced, send_digest

__all__ = [
    "ChatPoster",
    "Digest",
    "DigestOutcome",
    "already_announced",
    "build_digest",
    "due_soon",
    "send_digest",
]

"""Throttling of failed sign-ins: too many failures for one e-mail from one address lock it out.

Counters live in Django's cache (Redis when REDIS_URL is set, so every server process shares
them; process memory on the embedded install). Each key holds the times of the latest failures,
so the rule is a sliding window that waiting for a fixed window to roll over cannot reset.
"""

from __future__ import annotations

import hashlib
import math

from django.core.cache import cache

from rapport.core import clock

# 5 failures for one e-mail from one address within 15 minutes lock that pair for 15 minutes.
MAX_FAILURES = 5
# One address guessing across many e-mails is stopped too, with a looser limit.
MAX_FAILURES_PER_ADDRESS = 30
WINDOW_SECONDS = 15 * 60
LOCKOUT_SECONDS = 15 * 60


def _key(*parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]
    return f"rapport:signin-failures:{digest}"


def _keys(email: str, address: str) -> list[tuple[str, int]]:
    return [
        (_key("pair", email.strip().lower(), address), MAX_FAILURES),
        (_key("address", address), MAX_FAILURES_PER_ADDRESS),
    ]


def locked_for(email: str, address: str) -> int:
    """Seconds until sign-in is allowed again for this e-mail from this address (0: allowed now)."""
    now = clock.now().timestamp()
    wait = 0.0
    for key, limit in _keys(email, address):
        times = cache.get(key, [])
        if len(times) >= limit and times[-1] - times[-limit] < WINDOW_SECONDS:
            wait = max(wait, times[-1] + LOCKOUT_SECONDS - now)
    return max(0, math.ceil(wait))


def record_failure(email: str, address: str) -> None:
    now = clock.now().timestamp()
    for key, limit in _keys(email, address):
        # Only the latest `limit` failures matter, so a flood does not grow the entry.
        times = [t for t in cache.get(key, []) if now - t < WINDOW_SECONDS][-(limit - 1):] + [now]
        cache.set(key, times, WINDOW_SECONDS + LOCKOUT_SECONDS)


def clear(email: str, address: str) -> None:
    """Forget the e-mail's failures from this address after a successful sign-in."""
    cache.delete(_keys(email, address)[0][0])

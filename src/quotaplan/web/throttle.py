"""Login throttling: repeated failed sign-ins are slowed, then locked for a while.

Failures are counted per user name and per client address, each on its own. After ``slow_after``
failures in a row, each further attempt must wait (1 s, 2 s, 4 s, … at most ``max_delay``) after the
last failure; after ``lock_after`` failures the key is locked for ``lock_seconds``. An address gets
``address_factor`` times the room of a user name (an office behind one address has many people). An
attempt that comes too early is refused before the password is even checked, so waiting out the
delay is the only way on; a success clears the user's count. A key with no failure
for ``forget_seconds`` is forgotten.

The counts live in the serving process (each worker keeps its own).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Count:
    failures: int = 0
    last: float = 0.0
    locked_until: float = 0.0


@dataclass(frozen=True)
class Wait:
    """How long an attempt must still wait (0: it may go ahead), and whether the key is locked."""

    seconds: float
    locked: bool = False


class LoginThrottle:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic, slow_after: int = 3,
                 lock_after: int = 10, lock_seconds: float = 900.0, max_delay: float = 60.0,
                 address_factor: int = 3, forget_seconds: float = 3600.0) -> None:
        self.clock = clock
        self.slow_after = slow_after
        self.lock_after = lock_after
        self.lock_seconds = lock_seconds
        self.max_delay = max_delay
        self.address_factor = address_factor
        self.forget_seconds = forget_seconds
        self._counts: dict[tuple[str, str], _Count] = {}

    def _keys(self, user: str, address: str) -> list[tuple[tuple[str, str], int]]:
        """(key, how many times the base thresholds it is allowed)."""
        return [(("user", user.casefold()), 1), (("address", address), self.address_factor)]

    def _count(self, key: tuple[str, str], now: float) -> _Count | None:
        count = self._counts.get(key)
        if count is not None and now - count.last > self.forget_seconds and now >= count.locked_until:
            del self._counts[key]
            return None
        return count

    def wait(self, user: str, address: str) -> Wait:
        """How long this attempt must wait before its password may be checked."""
        now = self.clock()
        longest = Wait(0.0)
        for key, factor in self._keys(user, address):
            count = self._count(key, now)
            if count is None:
                continue
            if now < count.locked_until:
                candidate = Wait(count.locked_until - now, locked=True)
            else:
                over = count.failures - self.slow_after * factor
                delay = 0.0 if over < 0 else min(2.0 ** over, self.max_delay)
                candidate = Wait(max(0.0, count.last + delay - now))
            if (candidate.locked, candidate.seconds) > (longest.locked, longest.seconds):
                longest = candidate
        return longest

    def failed(self, user: str, address: str) -> None:
        now = self.clock()
        if len(self._counts) > 10_000:
            for key in list(self._counts):
                self._count(key, now)
        for key, factor in self._keys(user, address):
            count = self._count(key, now) or self._counts.setdefault(key, _Count())
            count.failures += 1
            count.last = now
            if count.failures >= self.lock_after * factor:
                count.locked_until = now + self.lock_seconds
                count.failures = 0

    def succeeded(self, user: str) -> None:
        """A success clears the user's count, not the address's (signing in to one's own account must
        not reset the count of guesses at others' from the same address)."""
        self._counts.pop(("user", user.casefold()), None)

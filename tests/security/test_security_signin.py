"""Sign-in throttling before the clinic opens (security.md A5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.security.signin import LockoutPolicy, SignInThrottle

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


def test_policy_locks_after_n_failures_and_doubles_up_to_a_cap():
    policy = LockoutPolicy(
        max_failures=3, first_lock=timedelta(minutes=1), max_lock=timedelta(minutes=5)
    )
    assert [policy.lock_for(n) for n in (1, 2)] == [None, None]
    assert [policy.lock_for(n) for n in (3, 4, 5, 6, 50)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 5, 5)
    ]


def test_n_plus_one_attempts_lock_and_every_one_is_queued_for_the_audit():
    clock = Clock()
    throttle = SignInThrottle(LockoutPolicy(max_failures=3), clock)
    results = [throttle.record_failure("Nurse.Li") for _ in range(3)]
    assert results[:2] == [None, None] and results[2] == T0 + timedelta(minutes=5)
    assert throttle.locked_until("nurse.li") == T0 + timedelta(minutes=5)
    assert throttle.refuse_locked("NURSE.LI") is not None  # the 4th try is refused unseen
    pending = throttle.drain_pending()
    assert [p.reason for p in pending] == ["wrong_password"] * 3 + ["locked"]
    assert all(p.at == T0 for p in pending) and pending[0].username == "Nurse.Li"
    assert throttle.drain_pending() == []
    clock.now = T0 + timedelta(minutes=5)
    assert throttle.locked_until("nurse.li") is None and throttle.refuse_locked("nurse.li") is None


def test_success_clears_the_count():
    throttle = SignInThrottle(LockoutPolicy(max_failures=3), Clock())
    throttle.record_failure("admin")
    throttle.record_failure("admin")
    throttle.record_success("ADMIN")
    assert throttle.failures("admin") == 0
    assert throttle.record_failure("admin") is None


def test_typed_names_are_sanitised_before_they_are_kept():
    throttle = SignInThrottle(clock=Clock())
    throttle.record_failure("admin\nFAKE " + "x" * 200)
    (pending,) = throttle.drain_pending()
    assert "\n" not in pending.username and len(pending.username) == 64

"""Schema version 2: account and audit-log guarantees the security layer relies on.

* ``users.emergency_access``: the pre-configured set of users allowed break-glass
  access (security.md A7).
* Accounts are disabled, never deleted (A2), so audit rows always name a real user.
* Audit rows must name a user (A1), except a failed sign-in by a name that matches
  no account and the clock-skew notice written with it.
* Audit rows arrive in sequence and chained: ``seq`` is the next number and
  ``prev_mac`` is the newest row's MAC, so nothing can write an unchained row.
* Indexes for the audit viewer's filters.
"""

VERSION = 2

STATEMENTS = [
    """
    ALTER TABLE users ADD COLUMN emergency_access INTEGER NOT NULL DEFAULT 0
        CHECK (emergency_access IN (0, 1))
    """,
    """
    CREATE TRIGGER users_no_delete BEFORE DELETE ON users
    BEGIN SELECT RAISE(ABORT, 'accounts are disabled, not deleted'); END
    """,
    """
    CREATE TRIGGER audit_events_need_user BEFORE INSERT ON audit_events
    WHEN NEW.user_id IS NULL
        AND NOT (NEW.action = 'signin' AND NEW.outcome <> 'success')
        AND NEW.action <> 'clock_skew'
    BEGIN SELECT RAISE(ABORT, 'audit rows must name a user'); END
    """,
    """
    CREATE TRIGGER audit_events_in_sequence BEFORE INSERT ON audit_events
    WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM audit_events)
        OR length(NEW.mac) <> 64
        OR NEW.prev_mac IS NOT coalesce(
            (SELECT mac FROM audit_events ORDER BY seq DESC LIMIT 1), '')
    BEGIN SELECT RAISE(ABORT, 'audit rows must be appended in sequence and chained'); END
    """,
    "CREATE INDEX audit_events_by_patient ON audit_events (patient_id, seq)",
    "CREATE INDEX audit_events_by_user ON audit_events (user_id, seq)",
    "CREATE INDEX audit_events_by_time ON audit_events (at_utc)",
]

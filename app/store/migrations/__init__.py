"""Numbered schema migrations, applied in order inside one transaction.

Each module defines ``VERSION`` (its ``PRAGMA user_version``) and ``STATEMENTS``.
A released schema is never edited: a change is a new module appended here, and a
frozen database of the previous schema goes to ``tests/data/``.
"""

from app.store.migrations import (
    m0001_initial,
    m0002_security,
    m0003_observation_checks,
    m0004_result_identity,
)

MIGRATIONS = [m0001_initial, m0002_security, m0003_observation_checks, m0004_result_identity]

"""Security mechanisms: password hashing and policy, key slots, roles, the audit chain.

Pure Python plus ``argon2``: nothing here touches Qt or SQLite, so every piece can be
tested on its own and reused from the services, the command line and the UI.
"""

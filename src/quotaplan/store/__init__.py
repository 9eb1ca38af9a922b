"""Plans in a store: a database (SQLite or PostgreSQL) of plans, scenarios, events, users and versions.

Where things are::

    schema.py      the tables (and why a plan is kept as its files' bytes plus events)
    migrations/    Alembic's environment and revisions, run by db.upgrade (no alembic.ini)
    db.py          which database, SQLite's set-up, the schema revision check, Store (one transaction)
    plans.py       a plan's stored files
    scenarios.py   baseline and forks, lineage, head seq
    journal.py     appending an event (the conflict rule) and reading them back
    workflow.py    submit, approve, reject, publish; only a draft takes changes to figures
    changes.py     in-year change requests on a published scenario and their decisions
    versions.py    published versions: the build's tables exactly as published, hashed
    users.py       users, grants, password hashes, API tokens
    policy.py      decide(actor, action, resource): the one place access is decided
    access.py      who is acting, and turning a refusal into NotFound / Forbidden
    admin.py       the set-up commands as the command line (and later the web) calls them
    names.py       what both databases keep alike (no NUL, column widths, no floats in payloads)
    clock.py       UTC timestamps
"""

"""Plans in a store: a database (SQLite or PostgreSQL) of plans, scenarios, events, users and versions."""

"""The store: the only code that talks to the database (tables, queries, outbox, subscribers, digests' rows)."""

"""Delivery: draining the outbox into sinks, subscription filters, the console sink, digests' scheduling."""

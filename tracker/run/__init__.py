"""The process: the long-running daemon, the one-shot poll, the leader lease, the HTTP server and its routes."""

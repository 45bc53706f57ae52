"""Reviewing the stored history: exports, the Atom feed, statistics, search and the static site."""

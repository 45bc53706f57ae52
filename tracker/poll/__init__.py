"""Watching: a poll cycle per organisation, its guard and stop gate, discovery of unwatched labs, refacts."""

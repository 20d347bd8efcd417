"""Distributed crawls: workers sharing a Redis queue, and the one ingest writer."""

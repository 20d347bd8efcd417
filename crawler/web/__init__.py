"""Serving the archive: datasette, its plugin and metadata."""

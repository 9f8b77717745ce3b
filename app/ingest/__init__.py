"""Ingestion: read releases from files, validate and normalise them, and upsert them in one
transaction."""

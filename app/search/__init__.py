"""Full-text search: user text is parsed into terms here, and each engine's backend compiles them
with quoting, so no user input ever reaches an engine as syntax."""

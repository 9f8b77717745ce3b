"""The text analyser (DESIGN §9): what a word is, for ingestion, both engines and the highlighter."""

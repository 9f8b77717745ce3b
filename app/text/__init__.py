"""The text analyser (DESIGN §9): what a word is, for ingestion, the engines, the highlighter."""

"""The text analyser: what a word is, for ingestion, the engines, the highlighter."""

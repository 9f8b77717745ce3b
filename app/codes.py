"""The two codes the API and ingestion read alike: dates written YYYY-MM-DD (and nothing else:
pydantic alone would take `5` for 1970-01-01) and ISO 639-1 language codes."""

import re

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LANGUAGE_PATTERN = "^[a-z]{2}$"
LANGUAGE = re.compile(LANGUAGE_PATTERN)
LANGUAGE_EXAMPLE = "an ISO 639-1 code such as en, ru or kk"

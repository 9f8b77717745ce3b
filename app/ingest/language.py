"""Language detection for releases that do not say their language.

py3langid (langid.py's model, shipped inside the package: nothing is downloaded at run time)
scores the text's character n-grams. The candidates are limited to the languages the archive is
expected to hold (DETECT_LANGUAGES, default en, ru, kk): among all 97 languages the model knows,
short Russian texts can score as Ukrainian or Bulgarian and short Kazakh ones as Kyrgyz, while
between the three the distinctive letters settle it (ә ғ қ ң ө ұ ү һ і are Kazakh).
"""

import re
from collections.abc import Sequence
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from app.ingest.normalize import Release

DEFAULT_CANDIDATES = ("en", "ru", "kk")
SAMPLE_CHARS = 1000  # the title and the start of the body: enough to decide, bounded in cost
_LETTER = re.compile(r"[^\W\d_]")


@cache
def _load_identifier(candidates: tuple[str, ...]) -> LanguageIdentifier:
    """The model limited to `candidates`, loaded once per process (about 0.7 s)."""
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    unknown = sorted(set(candidates) - set(identifier.nb_classes))
    if unknown:
        raise ValueError(
            f"language detection knows no {', '.join(unknown)}; "
            f"choose among: {' '.join(sorted(set(identifier.nb_classes)))}"
        )
    identifier.set_languages(list(candidates))
    return identifier


class LanguageDetector:
    def __init__(self, candidates: Sequence[str] = DEFAULT_CANDIDATES) -> None:
        self.candidates = tuple(sorted(set(candidates)))

    @property
    def _identifier(self) -> LanguageIdentifier:
        # Loaded on first use: a run whose releases all say their language never pays for it.
        return _load_identifier(self.candidates)

    def detect(self, release: Release) -> str | None:
        """The release's ISO 639-1 code; None when its text has no letters to judge by."""
        sample = f"{release.title}\n{release.body[:SAMPLE_CHARS]}"
        if not _LETTER.search(sample):
            return None
        language, _probability = self._identifier.classify(sample)
        return str(language)

"""Language detection on short releases: English, Russian and Kazakh told apart."""

from datetime import date

import pytest

from app.ingest.language import LanguageDetector
from app.ingest.normalize import Release

CASES = [
    ("en", "UN Center in Almaty", "Kazakhstan welcomes the decision of the General Assembly."),
    ("en", "Foreign Minister meets EU envoy", "The sides discussed transit and energy projects."),
    ("ru", "Встреча в Астане", "Министр иностранных дел провёл переговоры с коллегами."),
    ("ru", "Глава государства", "Президент Токаев выступил на Генеральной Ассамблее ООН."),
    ("ru", "Совещание", "Сегодня в Акорде прошло совещание."),
    ("kk", "Астанадағы кездесу", "Сыртқы істер министрі әріптестерімен келіссөздер жүргізді."),
    ("kk", "Мемлекет басшысы", "Президент Тоқаев БҰҰ Бас Ассамблеясында сөз сөйледі."),
    ("kk", "Кеңес", "Бүгін Ақордада кеңес өтті."),
    ("kk", "Жаңа мектептер", "Елорда әкімдігі жаңа мектептер салу жоспарын жариялады."),
]


@pytest.mark.parametrize(("language", "title", "body"), CASES)
def test_detects_the_language_of_a_short_release(language: str, title: str, body: str) -> None:
    release = Release("x", title, date(2025, 1, 1), (body,))
    assert LanguageDetector().detect(release) == language


def test_text_without_letters_has_no_language() -> None:
    assert LanguageDetector().detect(Release("x", "2025", date(2025, 1, 1), ("12 — 34",))) is None


def test_the_candidates_are_configurable() -> None:
    release = Release("x", "Встреча в Киеве", date(2025, 1, 1), ("Міністр провів зустріч.",))
    assert LanguageDetector(["ru", "uk"]).detect(release) == "uk"


def test_an_unknown_candidate_is_an_error_that_lists_the_known_ones() -> None:
    release = Release("x", "Title", date(2025, 1, 1), ("Body text.",))
    with pytest.raises(
        ValueError, match="language detection knows no xx; choose among: ace af am an ar"
    ):
        LanguageDetector(["en", "xx"]).detect(release)

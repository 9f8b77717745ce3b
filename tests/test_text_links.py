"""The pure functions links are made of: the anchors that survive translation, and the MinHash
bands of near-duplicates."""

import pytest

from app.text.anchors import agreement, anchors, skeleton
from app.text.shingles import DUPLICATE_AT, bands, resemblance, words


@pytest.mark.parametrize(
    ("spellings", "key"),
    [
        (("tokayev", "токаев", "тоқаев"), "tkv"),
        (("almaty", "алматы"), "almt"),
        (("kazakhstan", "казахстан", "қазақстан"), "kzkstn"),
        (("nurtleu", "нуртлеу", "нұртлеу"), "nrtl"),
        (("jomart", "жомарт"), "jmrt"),
        (("shymkent", "шымкент"), "shmknt"),
    ],
)
def test_one_name_in_three_alphabets_has_one_skeleton(spellings: tuple[str, ...], key: str) -> None:
    assert {skeleton(spelling) for spelling in spellings} == {key}


EN = (
    "Tokayev meets Guterres in Astana",
    "On 12 March 2025 President Kassym-Jomart Tokayev met UN Secretary-General Antonio Guterres "
    "in Astana. They discussed the UN centre in Almaty and 1.5 billion dollars.",
)
RU = (
    "Токаев встретился с Гутерришем в Астане",
    "12 марта 2025 года Президент Касым-Жомарт Токаев встретился с Генеральным секретарем ООН "
    "Антониу Гутерришем в Астане. Обсуждался центр ООН в Алматы и 1,5 млрд долларов.",
)
KK = (
    "Тоқаев Астанада Гутерришпен кездесті",
    "2025 жылғы 12 наурызда Президент Қасым-Жомарт Тоқаев Астанада БҰҰ Бас хатшысы Антониу "
    "Гутерришпен кездесті. Алматыдағы БҰҰ орталығы және 1,5 млрд доллар талқыланды.",
)


def test_the_anchors_of_one_release_in_three_languages() -> None:
    en, ru, kk = anchors(*EN, "en"), anchors(*RU, "ru"), anchors(*KK, "kk")
    # numbers of two digits or more, the day and month, the names' skeletons (four letters at most)
    shared = {"#12", "#2025", "@12.3", "antn", "astn", "gtrs", "jmrt", "tkv"}
    assert shared <= en & ru & kk
    assert "almt" in en & ru  # `Алматыдағы` begins a sentence in the Kazakh: not a name there
    assert "mrch" not in en  # a month's name is a date, not a name
    assert agreement(en, ru) == (10, 2 * 10 / (len(en) + len(ru)))
    assert agreement(en, frozenset()) == (0, 0.0)


def test_a_day_is_a_day_of_the_month_only() -> None:
    assert "@2025.3" not in anchors("", "In March 2025 the talks began.", "en")
    assert "@12.3" in anchors("", "Talks began on March 12.", "en")
    assert "@5.5" in anchors("", "Переговоры начались 5 мая.", "ru")


STORY = " ".join(f"Sentence {n} of the story about the port and the railway." for n in range(30))


def test_bands_depend_on_the_text_alone() -> None:
    other = "A different text about the harvest of wheat in the north, word after word. " * 5
    together = bands([STORY, other])
    assert together == [bands([STORY])[0], bands([other])[0]]  # whatever the batch
    assert len(together[0]) == 8
    assert set(together[0]).isdisjoint(together[1])
    assert bands(["Too short to compare."]) == [[]]
    assert bands([]) == []


def test_nearly_the_same_text_shares_a_band_and_resembles() -> None:
    credited = STORY + " Photo: the press service."
    assert set(bands([STORY])[0]) & set(bands([credited])[0])
    assert resemblance(words(STORY), words(credited)) >= DUPLICATE_AT
    assert resemblance(words(STORY), words(STORY.upper())) == 1.0  # tokens are lower-cased
    assert resemblance(words(STORY), []) == 0.0

"""A small corpus for search tests: English, Russian and Kazakh, diacritics, a possessive, two
releases on the same day. Ingested in this order, so ids are 1 to 7."""

from tests.fixtures.releases import seed_text

# external id: (source, language, text)
CORPUS: dict[str, tuple[str | None, str, str]] = {
    "almaty-forum": (
        "MFA",
        "en",
        seed_text(
            "2025-03-06",
            "Almaty hosts the Central Asia forum",
            "Delegates from five countries met in Almaty to discuss trade and water.",
        ),
    ),
    "astana-visa": (
        "MFA",
        "en",
        seed_text(
            "2025-03-06",
            "New visa rules announced in Astana",
            "The visa-free regime for Central Asian citizens is extended, the press service said.",
        ),
    ),
    "turkiye": (
        "Akorda",
        "en",
        seed_text(
            "2025-02-10",
            "Minister's visit to Türkiye",
            "Kazakhstan’s foreign minister supports closer ties with Ankara.",
        ),
    ),
    "ru": (
        "MFA",
        "ru",
        seed_text(
            "2024-12-01",
            "Встреча в Астане",
            "Министр иностранных дел провёл переговоры в Астане с коллегами из Центральной Азии.",
        ),
    ),
    "kk": (
        "Akorda",
        "kk",
        seed_text(
            "2024-11-20",
            "Қазақстан мен Түркия келіссөздері",
            "Сыртқы істер министрі Анкарада кездесу өткізді. Әріптестер ынтымақтастықты талқылады.",
        ),
    ),
    "water": (
        None,
        "en",
        seed_text(
            "2023-05-05",
            "Water cooperation in the region",
            "Central Asia discusses water management in Almaty; the press service said talks "
            "go on.",
        ),
    ),
    "un-center": (
        "MFA",
        "en",
        seed_text(
            "2025-03-07",
            "UN Center in Almaty",
            "The UN SDG centre will open. Kazakhstan welcomes the decision of the Assembly.",
        ),
    ),
}

"""A demo archive a person can read: a few hundred press releases in English, Russian and Kazakh,
over several years and sources, written from the templates and word lists below (nothing copied
from anywhere). The same --count and --seed always give the same bytes.

    python -m demo.generate [--count 300] [--out demo/out/demo.jsonl]
"""

import argparse
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Country:
    en: str
    ru: tuple[str, str, str]  # nominative, genitive, instrumental
    kk: tuple[str, str, str]  # nominative, genitive, "with" (-мен)
    capital_en: str
    capital_ru: str  # prepositional: "в Ташкенте"
    capital_kk: str  # locative: "Ташкентте"


COUNTRIES = [
    Country(
        "Uzbekistan",
        ("Узбекистан", "Узбекистана", "Узбекистаном"),
        ("Өзбекстан", "Өзбекстанның", "Өзбекстанмен"),
        "Tashkent",
        "Ташкенте",
        "Ташкентте",
    ),
    Country(
        "Kyrgyzstan",
        ("Кыргызстан", "Кыргызстана", "Кыргызстаном"),
        ("Қырғызстан", "Қырғызстанның", "Қырғызстанмен"),
        "Bishkek",
        "Бишкеке",
        "Бішкекте",
    ),
    Country(
        "Tajikistan",
        ("Таджикистан", "Таджикистана", "Таджикистаном"),
        ("Тәжікстан", "Тәжікстанның", "Тәжікстанмен"),
        "Dushanbe",
        "Душанбе",
        "Душанбеде",
    ),
    Country(
        "Turkmenistan",
        ("Туркменистан", "Туркменистана", "Туркменистаном"),
        ("Түрікменстан", "Түрікменстанның", "Түрікменстанмен"),
        "Ashgabat",
        "Ашхабаде",
        "Ашхабадта",
    ),
    Country(
        "Afghanistan",
        ("Афганистан", "Афганистана", "Афганистаном"),
        ("Ауғанстан", "Ауғанстанның", "Ауғанстанмен"),
        "Kabul",
        "Кабуле",
        "Кабулда",
    ),
    Country(
        "Türkiye",
        ("Турция", "Турции", "Турцией"),
        ("Түркия", "Түркияның", "Түркиямен"),
        "Ankara",
        "Анкаре",
        "Анкарада",
    ),
    Country(
        "China",
        ("Китай", "Китая", "Китаем"),
        ("Қытай", "Қытайдың", "Қытаймен"),
        "Beijing",
        "Пекине",
        "Пекинде",
    ),
    Country(
        "Germany",
        ("Германия", "Германии", "Германией"),
        ("Германия", "Германияның", "Германиямен"),
        "Berlin",
        "Берлине",
        "Берлинде",
    ),
]

# topic: (English, Russian genitive phrase "в сфере …", Kazakh "… саласындағы")
TOPICS = [
    ("water management", "водных ресурсов", "су ресурстары"),
    ("transit and logistics", "транзита и логистики", "транзит және логистика"),
    ("trade", "торговли", "сауда"),
    ("energy", "энергетики", "энергетика"),
    ("digital technology", "цифровых технологий", "цифрлық технологиялар"),
    ("education", "образования", "білім беру"),
    ("climate", "климата", "климат"),
]
SOURCES = ["MFA", "Akorda", "Ministry of Trade", "Ministry of Energy", "Embassy in Ankara"]

EN_TITLES = [
    "Kazakhstan and {country} discuss {topic}",
    "Foreign Minister meets the Ambassador of {country}",
    "Talks in {capital} on {topic}",
    "{country} and Kazakhstan sign an agreement on {topic}",
]
EN_PARAGRAPHS = [
    "The Minister of Foreign Affairs of Kazakhstan held talks with his counterpart from "
    "{country}. The parties discussed cooperation in {topic} and the agenda of the coming "
    "visits.",
    "The sides noted the growth of trade between Kazakhstan and {country} and agreed to expand "
    "joint projects in {topic}.",
    "The meeting in {capital} was attended by representatives of ministries and business "
    "associations of both countries.",
    "Following the talks, the delegations signed a memorandum on {topic} and agreed to meet "
    "again in Astana.",
]
RU_TITLES = [
    "Казахстан и {country_nom} обсудили вопросы {topic}",
    "Министр иностранных дел встретился с послом {country_gen}",
    "Переговоры в {capital} по вопросам {topic}",
]
RU_PARAGRAPHS = [
    "Министр иностранных дел Казахстана провёл переговоры с коллегой из {country_gen}. "
    "Стороны обсудили сотрудничество в сфере {topic}.",
    "Стороны отметили рост товарооборота между Казахстаном и {country_ins} и договорились "
    "расширить совместные проекты.",
    "Во встрече в {capital} приняли участие представители министерств и деловых кругов двух стран.",
    "По итогам переговоров делегации подписали меморандум и договорились о новой встрече в Астане.",
]
KK_TITLES = [
    "Қазақстан мен {country_nom} {topic} мәселелерін талқылады",
    "Сыртқы істер министрі {country_gen} елшісімен кездесті",
    "{capital} {topic} саласындағы келіссөздер өтті",
]
KK_PARAGRAPHS = [
    "Қазақстанның Сыртқы істер министрі {country_ins} ынтымақтастық мәселелерін талқылады. "
    "Тараптар {topic} саласындағы бірлескен жобаларды қарастырды.",
    "Тараптар Қазақстан мен {country_nom} арасындағы сауда көлемінің өсуін атап өтті.",
    "{capital} өткен кездесуге екі елдің министрліктері мен іскер топтарының өкілдері қатысты.",
    "Келіссөздер қорытындысы бойынша делегациялар меморандумға қол қойып, Астанада қайта "
    "кездесуге келісті.",
]


def release(n: int, rng: random.Random) -> dict[str, str]:
    country, topic = rng.choice(COUNTRIES), rng.choice(TOPICS)
    language = rng.choices(["en", "ru", "kk"], weights=[5, 3, 2])[0]
    if language == "en":
        slots = {"country": country.en, "topic": topic[0], "capital": country.capital_en}
        titles, paragraphs = EN_TITLES, EN_PARAGRAPHS
    elif language == "ru":
        slots = dict(zip(("country_nom", "country_gen", "country_ins"), country.ru, strict=True))
        slots |= {"topic": topic[1], "capital": country.capital_ru}
        titles, paragraphs = RU_TITLES, RU_PARAGRAPHS
    else:
        slots = dict(zip(("country_nom", "country_gen", "country_ins"), country.kk, strict=True))
        slots |= {"topic": topic[2], "capital": country.capital_kk}
        titles, paragraphs = KK_TITLES, KK_PARAGRAPHS
    chosen = [paragraphs[0], *rng.sample(paragraphs[1:], k=rng.randint(1, len(paragraphs) - 1))]
    published = date(2021, 1, 4) + timedelta(days=rng.randrange(5 * 365))
    title = rng.choice(titles).format(**slots)
    return {
        "id": f"demo-{n:04d}",
        "title": title[0].upper() + title[1:],
        "published_on": published.isoformat(),
        "body": "\n\n".join(p.format(**slots) for p in chosen),
        "source": rng.choice(SOURCES),
        "language": language,
    }


# A few releases published in all three languages, as a ministry publishes them: the same day,
# the same source, the same figures and names (Pressroom links them as translations at ingest),
# and one reposted by another site with another headline (a near-duplicate).
TRANSLATED: list[dict[str, Any]] = [
    {
        "en": (
            "Nauryz fair opens in Turkistan",
            "On 21 March 2025 the Akimat of Turkistan opened the Nauryz fair on Tauke Khan "
            "Avenue. Farmers from Zhetysu and Shymkent brought 340 tonnes of produce.\n\n"
            "The fair runs until 24 March; 120 stalls and a concert by the Otyrar Sazy orchestra.",
        ),
        "ru": (
            "В Туркестане открылась наурызная ярмарка",
            "21 марта 2025 года акимат Туркестана открыл наурызную ярмарку на проспекте "
            "Тауке хана. Фермеры из Жетысу и Шымкента привезли 340 тонн продукции.\n\n"
            "Ярмарка продлится до 24 марта: 120 торговых мест и концерт оркестра Отырар сазы.",
        ),
        "kk": (
            "Түркістанда наурыз жәрмеңкесі ашылды",
            "2025 жылғы 21 наурызда Түркістан әкімдігі Тәуке хан даңғылында наурыз жәрмеңкесін "
            "ашты. Жетісу мен Шымкенттен келген фермерлер 340 тонна өнім әкелді.\n\n"
            "Жәрмеңке 24 наурызға дейін жалғасады: 120 сауда орны және Отырар сазы оркестрінің "
            "концерті.",
        ),
        "day": "2025-03-21",
    },
    {
        "en": (
            "Shymkent hosts a forum of young engineers",
            "On 14 October 2024 Shymkent hosted a forum of 600 young engineers from Uzbekistan, "
            "Kyrgyzstan and Tajikistan. Minister Yerlan Sadykov presented 45 research grants.\n\n"
            "The next forum will take place in Aktau in 2025.",
        ),
        "ru": (
            "В Шымкенте прошёл форум молодых инженеров",
            "14 октября 2024 года в Шымкенте прошёл форум 600 молодых инженеров из Узбекистана, "
            "Кыргызстана и Таджикистана. Министр Ерлан Садыков вручил 45 исследовательских "
            "грантов.\n\nСледующий форум пройдёт в Актау в 2025 году.",
        ),
        "kk": (
            "Шымкентте жас инженерлер форумы өтті",
            "2024 жылғы 14 қазанда Шымкентте Өзбекстан, Қырғызстан және Тәжікстаннан келген 600 "
            "жас инженердің форумы өтті. Министр Ерлан Садықов 45 зерттеу грантын табыс етті.\n\n"
            "Келесі форум 2025 жылы Ақтауда өтеді.",
        ),
        "day": "2024-10-14",
    },
]
REPOST = (
    "Nauryz in Turkistan: 340 tonnes of produce at the fair",
    "Central Asia News Wire",
    "Photo: the Akimat of Turkistan press service.",
)


def translated() -> list[dict[str, str]]:
    """The releases published in three languages, and the repost."""
    found: list[dict[str, str]] = []
    for n, group in enumerate(TRANSLATED):
        for language in ("en", "ru", "kk"):
            title, body = group[language]
            found.append(
                {
                    "id": f"demo-t{n}-{language}",
                    "title": title,
                    "published_on": group["day"],
                    "body": body,
                    "source": "Akimat of Turkistan" if n == 0 else "Ministry of Science",
                    "language": language,
                }
            )
    title, source, credit = REPOST
    original = found[0]
    found.append(
        original
        | {
            "id": "demo-repost",
            "title": title,
            "source": source,
            "body": f"{original['body']}\n\n{credit}",
        }
    )
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--out", type=Path, default=Path("demo/out/demo.jsonl"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for n in range(args.count):
            out.write(json.dumps(release(n, rng), ensure_ascii=False) + "\n")
        for item in translated():
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

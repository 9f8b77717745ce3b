"""Releases in Russian, Kazakh and English, written for these tests, in which the words searched
for occur in other grammatical forms than the ones queried (case, number, possessive)."""

from tests.fixtures.releases import seed_text

# external id: (language, text)
RELEASES: dict[str, tuple[str, str]] = {
    "ru-water": (
        "ru",
        seed_text(
            "2025-04-01",
            "Казахстан и Узбекистан обсудили водные ресурсы",
            "Министр иностранных дел Казахстана провёл переговоры с коллегой из Узбекистана. "
            "Стороны обсудили сотрудничество в сфере водных ресурсов и транзита через "
            "Афганистан.",
        ),
    ),
    "ru-president": (
        "ru",
        seed_text(
            "2025-04-02",
            "Президент Токаев принял делегацию ООН",
            "Касым-Жомарт Токаев встретился с делегацией Организации Объединённых Наций в "
            "Астане. Президенту Токаеву доложили о работе центра ООН в Алматы.",
        ),
    ),
    "ru-embassy": (
        "ru",
        seed_text(
            "2025-04-03",
            "Посольство Казахстана в Турции",
            "Посол провёл встречу с представителями деловых кругов Анкары. Речь шла об "
            "инвестициях в экономику Казахстана и о новых соглашениях.",
        ),
    ),
    "kk-trade": (
        "kk",
        seed_text(
            "2025-04-04",
            "Қазақстан мен Ауғанстан арасындағы сауда",
            "Қазақстанның Сыртқы істер министрі Ауғанстанға сапармен барды. Тараптар "
            "Ауғанстанның экономикасын қолдау мәселелерін талқылады.",
        ),
    ),
    "kk-centre": (
        "kk",
        seed_text(
            "2025-04-05",
            "Алматыдағы БҰҰ орталығы",
            "Бас Ассамблея Алматыда Орталық Азия мен Ауғанстан үшін БҰҰ орталығын құру туралы "
            "қарар қабылдады. Орталықтың жұмысы өңірдегі тұрақты дамуға арналады.",
        ),
    ),
    "kk-talks": (
        "kk",
        seed_text(
            "2025-04-06",
            "Астанада келіссөздер өтті",
            "Мемлекет басшысы Тоқаев шетелдік делегациялармен кездесті. Кездесуде елдеріміздің "
            "ынтымақтастығы талқыланды. Жиырмадан астам елдің өкілдері қатысты.",
        ),
    ),
    "en-resolution": (
        "en",
        seed_text(
            "2025-04-07",
            "Kazakhstan supports UN centre in Almaty",
            "The Ministry of Foreign Affairs of Kazakhstan welcomed the resolutions adopted by "
            "the General Assembly. Delegates from Türkiye and Uzbekistan supported the initiative.",
        ),
    ),
    "en-water": (
        "en",
        seed_text(
            "2025-04-08",
            "Central Asian ministers discuss water",
            "Ministers discussed regional water management and Kazakhstan’s transit corridors.",
        ),
    ),
}

"""Write a deterministic synthetic archive as JSON Lines, for the benchmarks.

    python -m bench.generate --count 100000 --out bench/out/archive-100000.jsonl

Real English words and invented ones, drawn with a Zipf distribution; dates over 25 years; 50
sources; planted words whose frequencies the benchmarks rely on:

    zephyrine            a rare term, in 1 release of 5,000
    "blue lagoon accord" a phrase, in 1 release of 1,000 (and "lagoon" alone in about 1 in 100)
    cooperation          in about half of the releases
The same --count and --seed always give the same bytes.
"""

import argparse
import json
import random
import sys
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

REAL = """
the of and to in a is that for on with as was by at from it an be this are have has which
or not their its will been also more after all new were one first other into two over about
than they we would can when who there most may only some time years year between such these
state government minister ministry president foreign affairs national international meeting
talks visit delegation agreement cooperation development economic trade investment energy
transit water security region regional central asia europe council assembly resolution
support parties sides countries country people public press service statement official
policy bilateral multilateral summit forum conference session committee program project
fund bank infrastructure transport railway road port logistics digital technology education
health culture tourism agriculture industry export import market growth strategy reform
law rights human climate environment sustainable goals partnership dialogue relations peace
stability prosperity integration initiative proposal decision support expressed noted
stressed discussed signed agreed welcomed highlighted emphasized announced launched held
hosted attended opened adopted reviewed considered prospects further joint mutual strategic
important key significant broad high level practical concrete effective efficient modern
ambassador embassy consul capital city parliament senate chamber council commission agency
organization union nations united republic kingdom federation community members member
representative deputy chairman head chief director secretary general envoy special
""".split()
SYLLABLES = "ka ze lo mi ta ren sol var dun pe ri osh ul bek tan gar mir nes vol ard".split()
PLANTED = {"zephyrine", "blue", "lagoon", "accord", "cooperation"}
START, DAYS = date(2001, 1, 1), 25 * 365


def vocabulary(rng: random.Random, size: int) -> list[str]:
    words = [w for w in dict.fromkeys(REAL) if w not in PLANTED]
    seen = set(words) | PLANTED
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def generate(count: int, seed: int, out: Path) -> None:
    rng = random.Random(seed)
    words = vocabulary(rng, 30_000)
    cumulative = list(accumulate(1 / (rank**1.07) for rank in range(1, len(words) + 1)))
    sources = [f"Ministry of {rng.choice(words).title()} {n:02d}" for n in range(1, 51)]

    def draw(n: int) -> list[str]:
        return rng.choices(words, cum_weights=cumulative, k=n)

    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as file:
        for i in range(count):
            paragraphs = [draw(rng.randint(20, 60)) for _ in range(rng.randint(3, 8))]
            body_words = paragraphs[rng.randrange(len(paragraphs))]
            if rng.random() < 0.5:
                body_words.insert(rng.randrange(len(body_words)), "cooperation")
            if i % 5000 == 17:
                body_words.insert(rng.randrange(len(body_words)), "zephyrine")
            if i % 1000 == 3:
                at = rng.randrange(len(body_words))
                body_words[at:at] = ["blue", "lagoon", "accord"]
            elif rng.random() < 0.01:
                body_words.insert(rng.randrange(len(body_words)), "lagoon")
            title = " ".join(draw(rng.randint(6, 12))).capitalize()
            release = {
                "id": f"syn-{i:07d}",
                "title": title,
                "published_on": (START + timedelta(days=rng.randrange(DAYS))).isoformat(),
                "body": "\n\n".join(" ".join(p).capitalize() + "." for p in paragraphs),
                "source": rng.choice(sources),
                "language": "en",
            }
            file.write(json.dumps(release, ensure_ascii=False) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20251128)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out or Path(f"bench/out/archive-{args.count}.jsonl")
    generate(args.count, args.seed, out)
    print(f"wrote {args.count} releases to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The seed format (README, "Loading releases"), line by line: what is accepted, and each
rejection's message."""

from datetime import date

import pytest

from app.ingest.normalize import Rejected
from app.ingest.seed_format import parse_seed
from tests.fixtures.releases import SEED, SEED_TITLE


def test_the_shipped_seed_parses_to_its_title_date_and_eight_paragraphs() -> None:
    release = parse_seed(SEED.read_bytes(), external_id=SEED.stem)
    assert release.external_id == "000_58c17a29ac5caa8f"
    assert release.title == SEED_TITLE
    assert release.published_on == date(2025, 3, 6)
    assert len(release.paragraphs) == 8
    assert release.paragraphs[0].startswith("The UN General Assembly unanimously adopted")
    assert release.paragraphs[-1].endswith("integration into global development processes.")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b"  \r\n\n \t\n", "the file is empty"),
        (b"\xef\xbb\xbf", "the file is empty"),
        (
            b"date 2025-03-06 Caf\xe9\nBody\n",
            "invalid UTF-8 at byte 19: save the file as UTF-8 and ingest it again",
        ),
        (
            b"Date: 2025-03-06 Title\nBody\n",
            "the first line must be 'date YYYY-MM-DD Title', found 'Date: 2025-03-06 Title'",
        ),
        (
            b"\nBody without a date line\n",
            "the first line must be 'date YYYY-MM-DD Title', found ''",
        ),
        (
            b"date 06/03/2025 Title\nBody\n",
            "the first line must be 'date YYYY-MM-DD Title': '06/03/2025' is not a YYYY-MM-DD date",
        ),
        (
            b"date 2025-02-30 Title\nBody\n",
            "impossible date 2025-02-30: no such day in the calendar",
        ),
        (
            b"date 2025-13-01 Title\nBody\n",
            "impossible date 2025-13-01: no such day in the calendar",
        ),
        (
            b"date 2025-03-06\nBody\n",
            "missing title: the first line must be 'date YYYY-MM-DD Title'",
        ),
        (
            b"date 2025-03-06   \nBody\n",
            "missing title: the first line must be 'date YYYY-MM-DD Title'",
        ),
        (b"date 2025-03-06 Title\n", "empty body: put at least one paragraph after the first line"),
        (
            b"date 2025-03-06 Title\n\n   \n\t\n",
            "empty body: put at least one paragraph after the first line",
        ),
    ],
    ids=[
        "empty",
        "only-white-space",
        "only-a-bom",
        "invalid-utf8",
        "first-line-not-date",
        "first-line-blank",
        "date-not-iso",
        "impossible-day",
        "impossible-month",
        "missing-title",
        "blank-title",
        "no-body",
        "blank-body",
    ],
)
def test_rejections_say_why(data: bytes, reason: str) -> None:
    with pytest.raises(Rejected) as rejected:
        parse_seed(data, external_id="x")
    assert str(rejected.value) == reason


def test_bom_crlf_trailing_and_leading_spaces_are_tolerated() -> None:
    clean = parse_seed(b"date 2025-03-06 Title here\nFirst.\nSecond.\n", external_id="x")
    messy = parse_seed(
        b"\xef\xbb\xbf   date 2025-03-06 Title here  \r\n\r\nFirst.   \r\n  \r\nSecond.\t\r\n",
        external_id="x",
    )
    assert messy == clean
    assert messy.paragraphs == ("First.", "Second.")


def test_text_is_nfc_and_free_of_control_characters() -> None:
    release = parse_seed(
        "date 2025-03-06 Cafe\u0301 news\nA\x00B\x1bC\tD\x7f\n".encode(), external_id="x"
    )
    assert release.title == "Caf\u00e9 news"
    assert release.paragraphs == ("ABC D",)

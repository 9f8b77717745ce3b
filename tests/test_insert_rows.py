"""app/db.py's insert_rows, the bulk insert of ingestion: COPY on PostgreSQL, executemany on
SQLite, the same rows stored either way."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from app.db import insert_rows
from app.models import State, press_release

c = press_release.c
AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def release(n: int, **fields: object) -> dict[str, object]:
    return {
        "external_id": f"r{n}",
        "slug": f"2026-03-01-r{n}",
        "title": f"Release {n}: O'Brien \\ tab\there",
        "published_on": date(2026, 3, 1),
        "source": None,
        "language": "kk",
        "lead": "Бірінші абзац.",
        "word_count": 7,
        "body": 'Бірінші абзац.\n\nЕкінші, "quoted" and \\N.',
        "content_hash": f"{n:064x}",
        "ingested_at": AT,
        "updated_at": AT,
    } | fields


def test_rows_are_stored_as_given_and_defaults_fill_the_columns_left_out(engine: Engine) -> None:
    with engine.begin() as connection:
        insert_rows(connection, press_release, [release(1), release(2, source="mfa.gov.kz")])
        insert_rows(connection, press_release, [release(3, state=State.WITHDRAWN, version=3)])
        insert_rows(connection, press_release, [])
    columns = (c.external_id, c.title, c.source, c.body, c.version, c.state, c.published_on)
    with engine.connect() as connection:
        stored = [tuple(row) for row in connection.execute(select(*columns).order_by(c.id))]
        at = connection.execute(select(c.ingested_at).where(c.external_id == "r1")).scalar_one()
    title, body = "Release {}: O'Brien \\ tab\there", release(0)["body"]
    assert stored == [
        ("r1", title.format(1), None, body, 1, "published", date(2026, 3, 1)),
        ("r2", title.format(2), "mfa.gov.kz", body, 1, "published", date(2026, 3, 1)),
        ("r3", title.format(3), None, body, 3, "withdrawn", date(2026, 3, 1)),
    ]
    assert at.replace(tzinfo=UTC) == AT  # SQLite returns it naive, in UTC


def test_rows_that_leave_out_different_columns_are_refused(engine: Engine) -> None:
    rows = [release(1), release(2, version=2)]
    refused = pytest.raises(ValueError, match="do not all have the same keys")
    with refused, engine.begin() as connection:
        insert_rows(connection, press_release, rows)


def test_a_row_that_breaks_a_constraint_fails_the_whole_insert(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_rows(connection, press_release, [release(1), release(2, slug="2026-03-01-r1")])
    with engine.connect() as connection:
        assert connection.execute(select(c.id)).all() == []

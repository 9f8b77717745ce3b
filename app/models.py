"""The table classes, after SQLModel's ladder: PressReleaseBase (the fields the table and the API
share) → PressRelease (the table) and app/schemas.py's PressReleaseSummary / PressReleaseDetail.
The tables serve migrations and ingestion; reads take the leaner Core road over their columns
(app/queries.py, app/reads.py)."""

import enum
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)
from sqlmodel import Field, SQLModel

# Deterministic constraint and index names, so migrations can name what they drop.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}


class PressReleaseBase(BaseModel):
    """A release as lists and search results show it: the fields the table and the API share.
    The descriptions are the API's (the OpenAPI document shows them); the column types, the
    table's (`sa_type`: they size the columns without making the API validate their lengths).

    A plain Pydantic model declared with SQLModel's Field, where SQLModel's own ladder has a
    SQLModel: the API's shapes derive from it, and a SQLModel instance costs its Python
    `__init__` and `__new__` (validating twice), 8 µs a release, 160 µs on a list page of 20 (a
    quarter of the page, measured in-process on the bench archive). The table class below takes
    its columns from these fields all the same."""

    id: int = Field(
        primary_key=True, description="Numeric id, stable for the life of the database."
    )
    external_id: str = Field(
        sa_type=String(200),
        unique=True,
        description="The id the release came with (its file stem).",
    )
    slug: str = Field(
        sa_type=String(120),
        unique=True,
        description="Readable unique key: the date and the title's words.",
    )
    title: str = Field(sa_type=String(1000))
    published_on: date
    source: str | None = Field(
        sa_type=String(200), description="Who issued the release, where known."
    )
    language: str | None = Field(
        sa_type=String(2), description="ISO 639-1 code of the text, where known."
    )
    lead: str = Field(sa_type=Text, description="The first paragraph.")
    word_count: int = Field(ge=0, description="Words in the body.")


class State(enum.StrEnum):
    """Where a release is in its life. Only a published release is listed, searched and served;
    a withdrawn one answers 410 and can be restored; a purged one is a tombstone: its text and
    every version erased, its keys kept so that they are never given to another release."""

    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    PURGED = "purged"


# The condition every read of the archive's published releases carries, written as a literal: the
# sort indexes below are partial (they hold published releases only, so a withdrawal costs the
# list nothing), and both planners use a partial index only for a query whose WHERE names its
# condition as it is written, never through a bound parameter.
PUBLISHED_SQL = "state = 'published'"
_PUBLISHED = text(PUBLISHED_SQL)
_NOT_PUBLISHED = text("state <> 'published'")


def _sort_index(name: str, *columns: str) -> Index:
    return Index(name, *columns, sqlite_where=_PUBLISHED, postgresql_where=_PUBLISHED)


class PressRelease(SQLModel, PressReleaseBase, table=True):
    """The stored release: the summary's fields, what only the whole release shows (see
    app/schemas.py's PressReleaseDetail, which describes these to clients), and its state."""

    __tablename__ = "press_release"
    # Every ORDER BY ends in id, so every index that serves a sort ends in id too. The date index
    # also covers source and language: a walk in date order, a filter and the facets never have to
    # read the (large) rows themselves. The last index holds the releases that are not published
    # (a few), newest withdrawal first, for the Atom feed's tombstones.
    __table_args__ = (
        _sort_index(
            "ix_press_release_published_on_id_source_language",
            "published_on",
            "id",
            "source",
            "language",
        ),
        _sort_index("ix_press_release_source_published_on_id", "source", "published_on", "id"),
        _sort_index("ix_press_release_language_published_on_id", "language", "published_on", "id"),
        Index(
            "ix_press_release_withdrawn_at",
            "withdrawn_at",
            sqlite_where=_NOT_PUBLISHED,
            postgresql_where=_NOT_PUBLISHED,
        ),
    )

    body: str = Field(sa_type=Text)
    content_hash: str = Field(sa_type=String(64))
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    change_note: str | None = Field(default=None, sa_type=Text)
    ingested_at: datetime
    updated_at: datetime
    state: State = Field(
        default=State.PUBLISHED,
        sa_type=String(9),
        sa_column_kwargs={"server_default": State.PUBLISHED.value},
    )
    withdrawn_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    withdrawal_reason: str | None = Field(default=None, sa_type=Text)


# What ingestion's input decides about a release (its content and its change note), as opposed to
# its keys, its first ingest and its life cycle.
KEYS = ("id", "external_id", "slug", "ingested_at")
LIFECYCLE = ("version", "state", "withdrawn_at", "withdrawal_reason")


def columns(model: type[BaseModel]) -> tuple[Any, ...]:
    """The press_release columns behind `model`'s fields, in its order (the API's fields that are
    not stored, a detail's `url` say, are left out)."""
    c = press_release.c
    return tuple(c[name] for name in model.model_fields if name in c)


class PressReleaseVersion(SQLModel, table=True):
    """An earlier version of a release: what its row held before an ingest changed its content
    (the current version is the release's own row). Purging a release erases them."""

    __tablename__ = "press_release_version"
    __table_args__ = (PrimaryKeyConstraint("release_id", "version"),)

    release_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("press_release.id", ondelete="CASCADE"), nullable=False
        )
    )
    version: int
    title: str = Field(sa_type=String(1000))
    published_on: date
    source: str | None = Field(sa_type=String(200))
    language: str | None = Field(sa_type=String(2))
    body: str = Field(sa_type=Text)
    lead: str = Field(sa_type=Text)
    word_count: int
    content_hash: str = Field(sa_type=String(64))
    change_note: str | None = Field(default=None, sa_type=Text)
    updated_at: datetime


class ChangeKind(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    WITHDRAWN = "withdrawn"
    RESTORED = "restored"
    PURGED = "purged"


class PressReleaseChange(SQLModel, table=True):
    """The change log: one row per change of any release, numbered in commit order (`seq`, given
    as the writer's transaction commits: app/ingest/changes.py). The change feed reads it."""

    __tablename__ = "press_release_change"

    seq: int = Field(
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
        )
    )
    release_id: int = Field(
        sa_column=Column(Integer, ForeignKey("press_release.id"), nullable=False)
    )
    kind: ChangeKind = Field(sa_type=String(9))
    at: datetime


class PressReleasePassage(SQLModel, table=True):
    """A long release's body cut into passages, each indexed for full-text search on its own, so
    that a snippet is found and cut in one passage instead of the whole body (see
    app/search/passages.py). Only releases whose body is longer than a passage have them."""

    __tablename__ = "press_release_passage"

    # release id × 2**20 + the passage's number: a release's passages are one range of ids, which
    # the full-text index can search within. SQLite's INTEGER PRIMARY KEY is its rowid (64 bits).
    id: int = Field(
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
        )
    )
    release_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("press_release.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    start: int = Field(description="Where the passage begins in the body, in characters.")
    body: str = Field(sa_column=Column(Text, nullable=False))


class LinkKind(enum.StrEnum):
    TRANSLATION = "translation"
    DUPLICATE = "duplicate"


class PressReleaseLink(SQLModel, table=True):
    """A link between two releases, made at ingest (app/ingest/links.py): one row each way, so a
    release's links are one range of the primary key. `stated` when the input said so (JSON
    Lines `translation_of`), not when it was found."""

    __tablename__ = "press_release_link"
    __table_args__ = (
        PrimaryKeyConstraint("release_id", "kind", "other_id"),
        {"sqlite_with_rowid": False},
    )

    release_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("press_release.id", ondelete="CASCADE"), nullable=False
        )
    )
    kind: LinkKind = Field(sa_type=String(11))
    other_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("press_release.id", ondelete="CASCADE"), nullable=False
        )
    )
    stated: bool = Field(default=False)


class PressReleaseTranslationOf(SQLModel, table=True):
    """What the input said a release translates (JSON Lines `translation_of`: an external id),
    kept until the release it names arrives, in this run or a later one: then it is a link."""

    __tablename__ = "press_release_translation_of"

    release_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("press_release.id", ondelete="CASCADE"), primary_key=True
        )
    )
    external_id: str = Field(sa_type=String(200), index=True)


class PressReleaseBand(SQLModel, table=True):
    """One band of a release's MinHash signature over its body's word shingles
    (app/text/shingles.py): releases that share a band are the candidates for near-duplicates.

    Eight rows a release, written by every ingest: the primary key is the only index (SQLite
    stores the table in it), and there is no foreign key. Measured on the bench archive, 16,000
    rows a batch took 300 ms with a foreign key and an index by release, 114 ms without either.
    A release's bands are found by computing them again from its body (app/ingest/links.py),
    and releases are never deleted, only purged, which deletes its bands."""

    __tablename__ = "press_release_band"
    __table_args__ = (PrimaryKeyConstraint("band", "release_id"), {"sqlite_with_rowid": False})

    band: int = Field(sa_column=Column(BigInteger, nullable=False))
    release_id: int = Field(sa_column=Column(Integer, nullable=False))


# The words the full-text index holds or has held, on both engines (PostgreSQL since migration
# 0003, SQLite since 0006): ingestion adds each batch's words; `pressroom reindex` rebuilds it. It
# only grows between rebuilds: a word no release holds any more stays. Prefixes on PostgreSQL are
# bounded by it (app/search/expansions.py), and "did you mean" looks its words up in it.
# (Kept out of the metadata, like the FTS5 tables: the migrations write it per engine.)
search_term = Table("search_term", MetaData(), Column("term", Text, primary_key=True))

# The tables as SQLAlchemy Core sees them, for the statements written over their columns
# (SQLModel sets `__table__` on a table class without declaring its type).
press_release: Table = PressRelease.__table__  # type: ignore[attr-defined]
press_release_passage: Table = PressReleasePassage.__table__  # type: ignore[attr-defined]
press_release_version: Table = PressReleaseVersion.__table__  # type: ignore[attr-defined]
press_release_change: Table = PressReleaseChange.__table__  # type: ignore[attr-defined]
press_release_link: Table = PressReleaseLink.__table__  # type: ignore[attr-defined]
press_release_band: Table = PressReleaseBand.__table__  # type: ignore[attr-defined]
press_release_translation_of: Table = PressReleaseTranslationOf.__table__  # type: ignore[attr-defined]

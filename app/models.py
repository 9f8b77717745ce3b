"""The table classes. They serve migrations and ingestion; reads take the leaner Core road over
`PressRelease.__table__` (see app/queries.py)."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

# Deterministic constraint and index names, so migrations can name what they drop.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}


class PressReleaseBase(SQLModel):
    external_id: str = Field(max_length=200, unique=True, description="Stable id from the source.")
    slug: str = Field(max_length=120, unique=True)
    title: str = Field(sa_column_kwargs={"nullable": False}, max_length=1000)
    published_on: date
    source: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=2, description="ISO 639-1 code.")
    body: str = Field(sa_column=Column(Text, nullable=False))
    lead: str = Field(sa_column=Column(Text, nullable=False))
    word_count: int
    content_hash: str = Field(max_length=64, description="sha256 of the normalised content.")


class PressRelease(PressReleaseBase, table=True):
    __tablename__ = "press_release"
    # Every ORDER BY ends in id, so every index that serves a sort ends in id too. The date index
    # also covers source and language: a walk in date order, a filter and the facets never have to
    # read the (large) rows themselves.
    __table_args__ = (
        Index(
            "ix_press_release_published_on_id_source_language",
            "published_on",
            "id",
            "source",
            "language",
        ),
        Index("ix_press_release_source_published_on_id", "source", "published_on", "id"),
        Index("ix_press_release_language_published_on_id", "language", "published_on", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ingested_at: datetime
    updated_at: datetime


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

"""Search structures that keep broad searches bounded: the full-text index's vocabulary, for
bounding prefix terms (app/search/expansions.py), on both engines; on PostgreSQL, the tsvector
moved out of press_release into a narrow table of its own, press_release_search.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 11:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# fts5vocab reads the FTS index itself: nothing to keep in step.
SQLITE_UP = ["CREATE VIRTUAL TABLE press_release_fts_vocab USING fts5vocab(press_release_fts, row)"]
SQLITE_DOWN = ["DROP TABLE press_release_fts_vocab"]

VECTOR = (
    "setweight(to_tsvector('pressroom'::regconfig, {0}.title), 'A') "
    "|| setweight(to_tsvector('pressroom'::regconfig, {0}.body), 'B')"
)
# A search finds its matches, counts them, ranks them and counts their facets by reading each
# one's tsvector and its filter columns. In press_release the tsvector (1.8 KB on average) was
# TOASTed out of the row, every read of it an index lookup in the TOAST table, and the rows are
# wide: counting the matches of a word in half of 100,000 releases read 371 MB in 327 ms. Here it
# sits in a narrow row beside the filter and facet columns (the same count: 53 ms). Statement
# triggers keep it in step with press_release, a set at a time; a deleted release takes its row.
POSTGRES_UP = [
    """
    CREATE TABLE press_release_search (
        id integer NOT NULL,
        published_on date NOT NULL,
        source varchar(200),
        language varchar(2),
        search_vector tsvector NOT NULL,
        CONSTRAINT pk_press_release_search PRIMARY KEY (id),
        CONSTRAINT fk_press_release_search_id_press_release FOREIGN KEY (id)
            REFERENCES press_release (id) ON DELETE CASCADE
    )
    """,
    # The tsvector in the row (compressed when the row outgrows 2 KB), out of it only when it
    # cannot fit a page; and the short filter columns never out of it: by default PostgreSQL
    # moves them to TOAST first to make room, and reading them for facets then cost an index
    # lookup each (a facet count of 50,000 matches: 208 ms, against 85 with them in the row).
    "ALTER TABLE press_release_search ALTER COLUMN search_vector SET STORAGE MAIN, "
    "ALTER COLUMN source SET STORAGE PLAIN, ALTER COLUMN language SET STORAGE PLAIN",
    "INSERT INTO press_release_search (id, published_on, source, language, search_vector) "
    "SELECT id, published_on, source, language, search_vector FROM press_release",
    "DROP INDEX ix_press_release_search_vector",
    "ALTER TABLE press_release DROP COLUMN search_vector",
    "CREATE INDEX ix_press_release_search_vector ON press_release_search USING gin (search_vector)",
    "CREATE INDEX ix_press_release_search_published_on_id ON press_release_search "
    "(published_on, id)",
    f"""
    CREATE FUNCTION press_release_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO press_release_search (id, published_on, source, language, search_vector)
        SELECT n.id, n.published_on, n.source, n.language, {VECTOR.format("n")}
        FROM inserted AS n;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE FUNCTION press_release_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE press_release_search AS s
        SET published_on = n.published_on, source = n.source, language = n.language,
            search_vector = {VECTOR.format("n")}
        FROM updated AS n JOIN changed AS o ON o.id = n.id
        WHERE s.id = n.id AND (n.title, n.body, n.published_on, n.source, n.language)
            IS DISTINCT FROM (o.title, o.body, o.published_on, o.source, o.language);
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER press_release_search_ai AFTER INSERT ON press_release "
    "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT "
    "EXECUTE FUNCTION press_release_search_insert()",
    "CREATE TRIGGER press_release_search_au AFTER UPDATE ON press_release "
    "REFERENCING OLD TABLE AS changed NEW TABLE AS updated FOR EACH STATEMENT "
    "EXECUTE FUNCTION press_release_search_update()",
    # The vocabulary: byte order ("C"), so that the words starting with a prefix are one range.
    'CREATE TABLE search_term (term text COLLATE "C" NOT NULL, CONSTRAINT pk_search_term '
    "PRIMARY KEY (term))",
    "INSERT INTO search_term (term) SELECT DISTINCT unnest(tsvector_to_array(search_vector)) "
    "FROM press_release_search",
]
POSTGRES_DOWN = [
    "DROP TABLE search_term",
    "DROP TRIGGER press_release_search_au ON press_release",
    "DROP TRIGGER press_release_search_ai ON press_release",
    "DROP FUNCTION press_release_search_update()",
    "DROP FUNCTION press_release_search_insert()",
    "ALTER TABLE press_release ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('pressroom'::regconfig, title), 'A') "
    "|| setweight(to_tsvector('pressroom'::regconfig, body), 'B')) STORED",
    "DROP TABLE press_release_search",
    "CREATE INDEX ix_press_release_search_vector ON press_release USING gin (search_vector)",
]


def _by_dialect(sqlite: list[str], postgresql: list[str]) -> list[str]:
    dialect = op.get_bind().dialect.name
    return {"sqlite": sqlite, "postgresql": postgresql}.get(dialect, [])


def upgrade() -> None:
    for statement in _by_dialect(SQLITE_UP, POSTGRES_UP):
        op.execute(statement)


def downgrade() -> None:
    for statement in _by_dialect(SQLITE_DOWN, POSTGRES_DOWN):
        op.execute(statement)

"""Small answers remembered between requests for as long as the database stays the same."""

from typing import Any


class Totals:
    """Exact counts (and a few other small answers: the highest id, the long releases' ids, the
    search budget's sample counts, the words of the sample), valid for one version of the
    database (app/reads.py `_VERSION`: the change log's highest number and the analyser's
    version): the remembered answers are then dropped. Counting the whole archive reads every
    entry of an index (0.34 ms at 100,000 releases, 12 at 1,000,000): without this, the list's
    `total` costs ten times its page. One per Reader, shared by its connections and threads: an
    answer is kept only under the version it was read at.
    app/reads.py's Snapshot keys each answer by its statement and the values it depends on."""

    LIMIT = 4096  # remembered answers, at most: about 1 MB

    def __init__(self) -> None:
        self.version: Any = None
        self.counts: dict[Any, Any] = {}

    def get(self, version: Any, key: Any) -> Any:
        if version != self.version:
            self.version, self.counts = version, {}
        return self.counts.get(key)

    def put(self, version: Any, key: Any, total: Any) -> Any:
        """Remember `total`, read at `version`, unless the version has moved on meanwhile."""
        counts = self.counts
        if version == self.version:
            if len(counts) >= self.LIMIT:
                counts.clear()
            counts[key] = total
        return total

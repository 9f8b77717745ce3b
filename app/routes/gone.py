"""The answer for a release that is not published: 404 when there is none, 410 Gone (RFC 9110
§15.5.11) for a withdrawn or purged one, as a problem document that says when and, for a
withdrawal, why. A withdrawn release may be restored, so its 410 is cached as briefly as a
release's own answer; a purge is final."""

from typing import Any

from app.errors import Gone, NotFound
from app.models import State

WITHDRAWN_MAX_AGE = 60  # seconds: as long as a published release's answer (app/middleware)
PURGED_MAX_AGE = 86400


def served(release: dict[str, Any] | None, key: str) -> dict[str, Any]:
    """The release, when it is published; NotFound or Gone otherwise."""
    if release is None:
        raise NotFound(f"No press release has the id or slug {key!r}.")
    state = release["state"]
    if state == State.PUBLISHED:
        return release
    if state == State.WITHDRAWN:
        reason = release["withdrawal_reason"]
        raise Gone(
            f"The press release {key!r} was withdrawn: {reason}",
            members={"withdrawn_at": release["withdrawn_at"], "reason": reason},
            max_age=WITHDRAWN_MAX_AGE,
        )
    raise Gone(
        f"The press release {key!r} was removed from the archive for good.",
        members={"purged_at": release["withdrawn_at"]},
        max_age=PURGED_MAX_AGE,
    )

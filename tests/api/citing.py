"""What tests ask of the citations: the ids of the records citing a file, read afresh."""

from __future__ import annotations


def citing_ids(app, sha256: str) -> tuple[set[str], set[str]]:
    """(violation ids, inspection ids) of the records citing the file."""
    from server.extensions import db
    from server.fieldwork import citations

    with app.app_context():
        violations, inspections = citations.citing(sha256)
        found = {str(v.id) for v in violations}, {str(i.id) for i in inspections}
        db.session.rollback()
    return found

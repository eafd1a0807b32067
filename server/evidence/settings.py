"""The evidence settings of the running app: its store and the limits on what it decodes."""

from __future__ import annotations

from flask import current_app

from server.evidence.storage import EvidenceStore, store_from_url

BATCH = 500  # digests per IN (...) query


def current_store() -> EvidenceStore:
    """The configured evidence store."""
    return store_from_url(current_app.config["EVIDENCE_STORE"])


def max_pixels() -> int:
    """The most pixels an image may have to be decoded (EVIDENCE_MAX_IMAGE_PIXELS)."""
    return int(current_app.config["EVIDENCE_MAX_IMAGE_PIXELS"])


def undecoded_types() -> frozenset[str]:
    """The media types accepted as evidence without decoding (EVIDENCE_UNDECODED_TYPES)."""
    return frozenset(current_app.config["EVIDENCE_UNDECODED_TYPES"])

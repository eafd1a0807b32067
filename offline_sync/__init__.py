"""The tablet sync engine: local store, durable outbox, retrying HTTP, resumable evidence uploads.

Written against the `schemas/` contract (DESIGN.md §5); imports neither Flask nor `server`.
"""

from offline_sync.engine import Tablet
from offline_sync.errors import (
    Invalid,
    NewerStore,
    Offline,
    PasswordChangeRequired,
    Refused,
    SyncError,
    Unauthorized,
)
from offline_sync.store import Store

__all__ = ["Invalid", "NewerStore", "Offline", "PasswordChangeRequired", "Refused", "Store",
           "SyncError", "Tablet", "Unauthorized"]

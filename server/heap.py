"""The garbage collector in a long-running server process (a gunicorn worker)."""

from __future__ import annotations

import gc

from server.rulesets.service import shipped_book


def settle() -> None:
    """Load what every request uses, then leave everything alive out of the collector's scans.

    The app, its mappers and schemas and the shipped rule files live as long as the process.
    A sync push allocates enough objects to trigger full collections, and each one walked that
    whole startup heap again: about a tenth of a push's CPU (bench_sync, in process, 2,000
    mutations: 684 → 760 per CPU second). gc.freeze() moves them to a permanent generation, as
    the Python documentation suggests for servers; objects made later are collected as before.
    Young collections run less often (below). Call it once per process, after the app is
    built."""
    shipped_book()
    gc.collect()
    gc.freeze()
    # A young generation of 10,000 objects rather than 700: a push still started a young
    # collection about every 700 new objects, each tracing the push's live records (bench_sync
    # in process, 2,500 mutations: collection time 0.39 s -> 0.17 s of ~8 s; callgrind, a
    # push of 500: -0.9% instructions). At most a few MB more garbage waits for a collection.
    gc.set_threshold(10_000, *gc.get_threshold()[1:])

"""Case documents set as PDF by several threads of one process at once (gunicorn's threads,
the export thread) come out whole: reportlab's embedded-font subsets are shared state."""

from __future__ import annotations

import random
import threading

from server.cases import render
from server.cases.doc import Doc


def _page(seed: int) -> Doc:
    """A document of 1,500 random common CJK characters: a large glyph subset to set."""
    rng = random.Random(seed)
    text = "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(1500))
    return Doc("test", "现场检查笔录", None, paragraphs=(text,))


def test_two_threads_setting_pdfs_at_once_both_get_whole_documents():
    render.font_name()  # registered once, before the threads
    made: list[bytes] = []
    errors: list[str] = []

    def work(seed: int) -> None:
        for round_ in range(6):
            try:
                made.append(render.to_pdf(_page(seed * 100 + round_)))
            except Exception as error:  # noqa: BLE001 - what the test reports
                errors.append(repr(error))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []  # without one PDF set at a time: KeyError in makeSubset
    assert len(made) == 12 and all(pdf.startswith(b"%PDF-") for pdf in made)

"""A stand-in sentiment model for worker processes (``monitor worker --classifier tests.workers_fake:make``).

Deterministic by text (a hash picks the label), so one in-process run and any number of
workers give the same scores. ``MONITOR_FAKE_DELAY_S`` makes each ``predict`` call sleep
(a scoring task long enough to kill a worker in the middle of it); ``MONITOR_FAKE_LOG``
names a file each call appends ``pid n_texts`` to.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence

from monitor._records import Prediction

PROBS = {
    0: ("negative", (0.80, 0.15, 0.05)),
    1: ("neutral", (0.10, 0.80, 0.10)),
    2: ("positive", (0.05, 0.15, 0.80)),
}


class FakeClassifier:
    model_id = "fake"
    model_version = "1"

    def predict(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[Prediction]:
        delay = float(os.environ.get("MONITOR_FAKE_DELAY_S", "0") or 0)
        log = os.environ.get("MONITOR_FAKE_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(f"{os.getpid()} {len(texts)}\n")
        if delay:
            time.sleep(delay)
        out = []
        for t in texts:
            label, p = PROBS[hashlib.blake2b(t.encode("utf-8"), digest_size=2).digest()[0] % 3]
            out.append(Prediction(label, *p, self.model_id, self.model_version))  # type: ignore[arg-type]
        return out

    def info(self) -> dict[str, object]:
        return {"backend": "fake", "model_id": self.model_id, "model_version": self.model_version}


def make() -> FakeClassifier:
    return FakeClassifier()

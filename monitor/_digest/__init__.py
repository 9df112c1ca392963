"""The daily digest, in the order a digest is made:

``ports`` (what the digest reads from the index) → ``context`` (the day's figures, as the
``records`` dataclasses; ``headline`` says them in a sentence) → ``chart`` and ``render``
(+ ``templates/``) → delivery: ``files``, then the ``transport`` channels ``mail`` and
``webhook``, with the ``outbox`` for what failed and the ``ledger`` for what got through,
tied together by ``deliver``.

``monitor._pipeline.digest_step`` ties them together and records each digest as a Run.
"""

from __future__ import annotations

from monitor._digest.context import Digest, build_digest

__all__ = ["Digest", "build_digest"]

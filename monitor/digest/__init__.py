"""The daily digest: figures (``context``), the 30-day chart (``chart``), HTML / text /
Markdown (``render`` + ``templates/``) and delivery to files, SMTP and webhooks (``deliver``).

``monitor.pipeline.digest_step`` ties them together and records each digest as a Run.
"""

from __future__ import annotations

from monitor.digest.context import Digest, build_digest

__all__ = ["Digest", "build_digest"]

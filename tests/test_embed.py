"""The base-encoder embeddings themes and aspects build on (real weights)."""

from __future__ import annotations

import numpy as np
import pytest

from monitor._embed import EMBEDDING_DIM, Embedder, load_embedder
from monitor.errors import ModelError


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return load_embedder(batch_size=4)


def test_vectors_are_unit_rows_in_input_order(embedder: Embedder) -> None:
    texts = ["a", "The dock stopped charging after firmware 4.2 " * 40, "Kahve güzeldi"]
    v = embedder.embed(texts)
    assert v.shape == (3, EMBEDDING_DIM) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    # Order is the input's, not the length-sorted batch order.
    again = embedder.embed([texts[2]])
    assert np.allclose(again[0], v[2], atol=1e-4)
    assert embedder.embed([]).shape == (0, EMBEDDING_DIM)


def test_same_topic_across_languages_is_closer_than_another_topic(embedder: Embedder) -> None:
    dock_en, dock_sv, dock_tr, late_bg, late_en, coffee = embedder.embed(
        [
            "The dock stopped charging after firmware 4.2",
            "Laddstationen slutade ladda efter uppdateringen",
            "Şarj istasyonu güncellemeden sonra şarj etmiyor",
            "Доставката закъсня с две седмици",
            "The delivery was two weeks late",
            "Great coffee and friendly staff",
        ]
    )
    assert dock_en @ dock_sv > dock_en @ coffee
    assert dock_en @ dock_tr > dock_en @ coffee
    assert late_bg @ late_en > late_bg @ coffee
    assert late_bg @ late_en > late_bg @ dock_sv


def test_bad_batch_size_is_refused() -> None:
    with pytest.raises(ModelError, match="batch size"):
        load_embedder(batch_size=0)

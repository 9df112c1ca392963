"""A stand-in embedder for theme tests: a text's vector is its topic's direction plus a strong
offset for its language (as real multilingual encoders have) and a little noise, so the
tests see whether themes group by topic across languages rather than by language."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

DIM = 384
TOPICS = {
    "dock": ("dock", "laddstation", "istasyon", "базата", "կայան"),
    "price": ("price", "pris", "fiyat", "цена", "գին"),
    "noise": ("loud", "högljudd", "gürültülü", "шумна", "աղմկոտ"),
}
LANG_WORDS = {"en": "the", "sv": "och", "tr": "ve", "bg": "и", "hy": "և"}


def _direction(seed: str) -> NDArray[np.float32]:
    rng = np.random.default_rng(zlib.crc32(seed.encode()))
    v = rng.normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


class TopicEmbedder:
    """Topic direction (from the topic words a text holds) + 1.2 × language offset + noise."""

    version = "topic-fake:1"
    dim = DIM

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls += 1
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            low = text.lower()
            v = 0.3 * _direction("noise:" + text)
            for topic, words in TOPICS.items():
                if any(w in low for w in words):
                    v = v + _direction("topic:" + topic)
            for lang, word in LANG_WORDS.items():
                if f" {word} " in f" {low} ":
                    v = v + 1.2 * _direction("lang:" + lang)
            out[i] = v / np.linalg.norm(v)
        return out


#: A sentence per topic and language (each holds its language's marker word).
SENTENCES = {
    ("dock", "en"): "the robot cannot find the dock after the update",
    ("dock", "sv"): "roboten hittar inte laddstation och kartan är borta",
    ("dock", "tr"): "robot istasyon bulamıyor ve harita silindi",
    ("dock", "bg"): "роботът не намира базата и картата изчезна",
    ("dock", "hy"): "ռոբոտը չի գտնում կայան և քարտեզը կորավ",
    ("price", "en"): "the price is far too high for what it does",
    ("price", "sv"): "pris är för högt och och det märks",
    ("price", "tr"): "fiyat çok yüksek ve değmez",
    ("price", "bg"): "цена е твърде висока и не си струва",
    ("price", "hy"): "գին շատ բարձր է և չարժե",
    ("noise", "en"): "the vacuum is loud at night",
    ("noise", "sv"): "den är högljudd och stör",
    ("noise", "tr"): "gece çok gürültülü ve rahatsız",
    ("noise", "bg"): "шумна е и пречи вечер",
    ("noise", "hy"): "աղմկոտ է և խանգարում է",
}

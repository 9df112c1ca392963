"""Text → token windows and length-sorted, dynamically padded batches (no torch here)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from monitor._sentiment.tokenizer import PREFIX, prepare
from monitor.errors import ModelError

if TYPE_CHECKING:
    from tokenizers import Tokenizer


class TextEncoder:
    """Tokenise prepared text (NFC + prefix) and cut long texts into windows.

    Every window is ``<s> prefix chunk </s>`` with at most ``max_length`` tokens, so a long
    mention is scored as several windows whose probabilities are averaged afterwards.
    """

    def __init__(self, tokenizer: Tokenizer, *, prefix: str = PREFIX, max_length: int = 128) -> None:
        self.tok = tokenizer
        self.prefix = prefix
        self.max_length = max_length
        self.bos = self._special("<s>")
        self.eos = self._special("</s>")
        self.pad = self._special("<pad>")
        self.prefix_ids = self.tok.encode(prefix.rstrip(), add_special_tokens=False).ids
        if max_length < len(self.prefix_ids) + 3:
            raise ModelError(f"max_length {max_length} is too short for the prefix {prefix!r}")

    @classmethod
    def from_file(cls, path: Path, **kwargs: object) -> TextEncoder:
        from tokenizers import Tokenizer

        try:
            tok = Tokenizer.from_file(str(path))
        except Exception as exc:  # tokenizers raises plain Exception subclasses
            raise ModelError(f"cannot load tokenizer {path}: {exc}") from exc
        tok.no_truncation()
        tok.no_padding()
        return cls(tok, **kwargs)  # type: ignore[arg-type]

    def _special(self, token: str) -> int:
        tid = self.tok.token_to_id(token)
        if tid is None:
            raise ModelError(f"tokenizer has no {token} token")
        return int(tid)

    def content_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of ``prefix + NFC(text)``, without ``<s>``/``</s>`` and uncut."""
        enc = self.tok.encode_batch([prepare(t, self.prefix) for t in texts], add_special_tokens=False)
        return [e.ids for e in enc]

    def truncated(self, texts: Sequence[str]) -> list[list[int]]:
        """One window per text: the head of the text (used for training)."""
        keep = self.max_length - 2
        return [[self.bos, *c[:keep], self.eos] for c in self.content_ids(texts)]

    def windows(self, texts: Sequence[str]) -> list[tuple[int, list[int]]]:
        """``(text index, ids)`` for every window of every text."""
        k = len(self.prefix_ids)
        out: list[tuple[int, list[int]]] = []
        for i, content in enumerate(self.content_ids(texts)):
            if len(content) + 2 <= self.max_length:
                out.append((i, [self.bos, *content, self.eos]))
                continue
            head, body = (self.prefix_ids, content[k:]) if content[:k] == self.prefix_ids else ([], content)
            size = self.max_length - 2 - len(head)
            for a in range(0, len(body), size):
                out.append((i, [self.bos, *head, *body[a : a + size], self.eos]))
        return out


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Group indices into batches of similar length (longest first) to minimise padding."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [order[a : a + batch_size] for a in range(0, len(order), batch_size)]


def pad_batch(seqs: Sequence[Sequence[int]], pad_id: int) -> tuple[list[list[int]], list[list[int]]]:
    """Pad to the longest sequence in the batch: ``(ids, attention_mask)``."""
    width = max(len(s) for s in seqs)
    ids = [[*s, *([pad_id] * (width - len(s)))] for s in seqs]
    mask = [[1] * len(s) + [0] * (width - len(s)) for s in seqs]
    return ids, mask


__all__ = ["TextEncoder", "length_sorted_batches", "pad_batch"]

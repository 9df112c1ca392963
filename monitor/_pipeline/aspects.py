"""The aspects step: tag every mention not tagged yet with the aspects it talks about.

Runs after scoring. When the ``[aspects]`` config changes (its
:meth:`~monitor._config.AspectsConfig.fingerprint` differs from the stored one) every stored
tag is forgotten first, so the whole store is tagged again under the new definitions,
batch by batch (one transaction per batch; a stopped step goes on where it stopped).

Mention vectors come through one seam, :func:`mention_vectors`: it reads the vectors the
themes step stores (``mention_vector``) and embeds, and stores, only the mentions that have
none yet, so a mention is embedded once whichever step meets it first. The base encoder
(:mod:`monitor._embed`) is loaded once per process and only when there is something to tag.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from monitor._aspects.tagger import AspectModel, compile_aspects, tag
from monitor._config import Config
from monitor._embed import EmbedderFactory, shared_embedder
from monitor._pipeline.results import StepResult
from monitor._pipeline.steps import check_stop, log_failure
from monitor._ports import AspectStore, VectorStore
from monitor._store.aspects import FINGERPRINT_KEY, NO_ASPECT, TagRow, Untagged
from monitor._store.scores import scoring_text
from monitor.errors import Interrupted

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from monitor._embed import Embedder


def mention_text(m: Untagged) -> str:
    """What is tagged: the title (a review's headline often names the aspect) and the text."""
    return f"{m.title.strip()}\n{m.text}" if m.title and m.title.strip() else m.text


def mention_vectors(mentions: Sequence[Untagged], embedder: Embedder, stored: VectorStore) -> NDArray[np.float32]:
    """The seam: each mention's unit vector, one row per mention in order.

    Read from ``stored`` where the mention has a vector of the embedder's version; the others
    are embedded (the text the model and the themes step read) and stored for every reader.
    """
    import numpy as np

    have_ids, have = stored.vectors_for([m.id for m in mentions])
    row_of = {mid: k for k, mid in enumerate(have_ids)}
    missing = [m for m in mentions if m.id not in row_of]
    out = np.zeros((len(mentions), embedder.dim), dtype=np.float32)
    if missing:
        fresh = embedder.embed([scoring_text(m.text, m.title) for m in missing])
        stored.store_vectors([m.id for m in missing], fresh)
        fresh_of = {m.id: k for k, m in enumerate(missing)}
    for k, m in enumerate(mentions):
        out[k] = have[row_of[m.id]] if m.id in row_of else fresh[fresh_of[m.id]]
    norms = np.linalg.norm(out, axis=1, keepdims=True)  # stored rows are int8: re-normalise
    out /= np.where(norms > 0, norms, 1.0).astype(np.float32)
    return out


def tag_rows(model: AspectModel, mentions: Sequence[Untagged], vectors: NDArray[np.float32] | None) -> list[TagRow]:
    """The rows to store for ``mentions``: one per aspect found, one :data:`NO_ASPECT` row when none."""
    found = tag(model, [mention_text(m) for m in mentions], [m.lang for m in mentions], vectors)
    rows: list[TagRow] = []
    for m, tags in zip(mentions, found, strict=True):
        rows += [TagRow(m.id, t.aspect, t.score, t.keyword[:80] if t.keyword else None) for t in tags]
        if not tags:
            rows.append(TagRow(m.id, NO_ASPECT))
    return rows


def aspects_step(
    store: AspectStore,
    cfg: Config,
    *,
    embedder: EmbedderFactory | None = None,
    stop: threading.Event | None = None,
    batch: int = 256,
) -> StepResult:
    """Tag the mentions not tagged yet (all of them again after a config change)."""
    step = StepResult("aspects")
    aspects = cfg.aspects.aspects()
    if not aspects:
        step.status, step.counts = "skipped", {"reason": "no aspects configured"}
        return step
    run_id = store.start_run("aspects")
    step.run_id = run_id
    tagged = with_aspect = retagged = 0
    try:
        fingerprint = cfg.aspects.fingerprint()
        if store.get_meta(FINGERPRINT_KEY) != fingerprint:
            retagged = store.clear_aspect_tags()
            store.set_meta(FINGERPRINT_KEY, fingerprint)
        model: AspectModel | None = None
        emb: Embedder | None = None
        stored: VectorStore | None = None
        after = 0
        while True:
            check_stop(stop)
            mentions = store.untagged_mentions(after, batch)
            if not mentions:
                break
            if model is None:
                if cfg.aspects.embedding:
                    emb = (embedder or shared_embedder)()
                    step.details["embedder"] = emb.version
                model = compile_aspects(
                    aspects, emb.embed if emb else None, margin=cfg.aspects.margin, reference=cfg.aspects.reference()
                )
            if emb is not None and stored is None:
                stored = store.mention_vectors(emb.version, emb.dim)
            vectors = mention_vectors(mentions, emb, stored) if emb is not None and stored is not None else None
            rows = tag_rows(model, mentions, vectors)
            store.write_aspect_tags(rows)
            tagged += len(mentions)
            with_aspect += len({r.mention_id for r in rows if r.aspect != NO_ASPECT})
            after = mentions[-1].id
            if len(mentions) < batch:
                break
    except Interrupted:
        step.status = "interrupted"
    except Exception as exc:
        log_failure("aspect tagging failed", exc)
        step.status, step.errors = "failed", [f"{type(exc).__name__}: {exc}"]
    step.counts = {"tagged": tagged, "with_aspect": with_aspect, "cleared": retagged}
    store.finish_run(run_id, step.status, step.counts, step.errors)
    if step.status == "interrupted":
        raise Interrupted
    return step


__all__ = ["EmbedderFactory", "aspects_step", "mention_text", "mention_vectors", "shared_embedder", "tag_rows"]

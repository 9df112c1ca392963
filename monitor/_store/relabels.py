"""A person's relabelling of mentions, with who and when, undoable as a unit.

Each call of :meth:`RelabelsStore.relabel` is one ``label_change`` row (the label, who,
when) and one ``label_change_item`` per mention holding the label and origin it replaced.
:meth:`RelabelsStore.undo_relabel` puts those back, except on mentions a later change (not
itself undone) has relabelled since: the later change wins and the mention is skipped.
Rollups move in the same transaction as the labels (:class:`LabelsStore`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from monitor._labels import GIVEN_ORIGINS, MANUAL, check_label
from monitor._store.dialect import as_utc
from monitor._store.engine import writer
from monitor._store.labels import LabelsStore
from monitor._store.tables import LABEL_CHANGE_ITEM_T as LI
from monitor._store.tables import LABEL_CHANGE_T as LC
from monitor._store.tables import MENTION_T as M
from monitor.errors import InvalidArgument

CHUNK = 500  # ids per IN (...) list: under SQLite's bound-parameter limit
MAX_SELECTION = 10_000  # mentions one change may relabel


@dataclass(frozen=True, slots=True)
class LabelChange:
    """One relabelling by a person: the label given (``None``: back to the model's), who,
    when, how many mentions; ``undone_by``/``undone_at`` once undone (``restored`` and
    ``skipped`` count what the undo put back and what a later change kept)."""

    id: int
    label: str | None
    changed_by: str | None
    changed_at: datetime
    mentions: int
    undone_by: str | None = None
    undone_at: datetime | None = None
    restored: int = 0
    skipped: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The change as a JSON-ready dict (times in ISO 8601)."""
        d = asdict(self)
        d["changed_at"] = self.changed_at.isoformat()
        d["undone_at"] = self.undone_at.isoformat() if self.undone_at else None
        return d


def _record(r: Any, restored: int = 0, skipped: int = 0) -> LabelChange:
    return LabelChange(
        id=r.id,
        label=r.label,
        changed_by=r.changed_by,
        changed_at=as_utc(r.changed_at),
        mentions=r.mentions,
        undone_by=r.undone_by,
        undone_at=as_utc(r.undone_at) if r.undone_at else None,
        restored=restored,
        skipped=skipped,
    )


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK)]


class RelabelsStore(LabelsStore):
    """Relabelling selections of mentions on a person's behalf, and undoing it."""

    def _set_manual(self, conn: Connection, m: Any, label: str, by: str | None, at: datetime | None) -> None:
        self._relabel(conn, m, label, MANUAL, None, manual=label)
        conn.execute(update(M).where(M.c.id == m.id).values(manual_by=by, manual_at=at))

    def relabel(self, mention_ids: Sequence[int], label: str | None, *, by: str | None, at: datetime) -> LabelChange:
        """Give ``mention_ids`` a person's ``label`` (``None``: back to the model's), as ``by`` at ``at``.

        Unknown ids raise :class:`~monitor.errors.InvalidArgument` and nothing changes."""
        check_label(label)
        ids = list(dict.fromkeys(int(i) for i in mention_ids))
        if not ids:
            raise InvalidArgument("no mention to relabel: select at least one")
        if len(ids) > MAX_SELECTION:
            raise InvalidArgument(f"{len(ids)} mentions selected: relabel at most {MAX_SELECTION} at once")
        with writer(self.engine).begin() as conn:
            rows = [r for chunk in _chunks(ids) for r in conn.execute(select(M).where(M.c.id.in_(chunk))).all()]
            missing = sorted(set(ids) - {r.id for r in rows})
            if missing:
                shown = ", ".join(map(str, missing[:5])) + (" …" if len(missing) > 5 else "")
                raise InvalidArgument(f"no mention with id {shown}: nothing was relabelled")
            change_id = conn.execute(
                insert(LC).values(label=label, changed_by=by, changed_at=at, mentions=len(rows)).returning(LC.c.id)
            ).scalar_one()
            conn.execute(
                insert(LI),
                [
                    {
                        "change_id": change_id,
                        "mention_id": r.id,
                        "old_label": r.label,
                        "old_origin": r.label_origin,
                        "old_by": r.manual_by,
                        "old_at": r.manual_at,
                    }
                    for r in rows
                ],
            )
            for r in rows:
                if label is None:
                    self._clear_manual(conn, r)
                    conn.execute(update(M).where(M.c.id == r.id).values(manual_by=None, manual_at=None))
                else:
                    self._set_manual(conn, r, label, by, at)
            return _record(conn.execute(select(LC).where(LC.c.id == change_id)).one())

    def undo_relabel(self, change_id: int, *, by: str | None, at: datetime) -> LabelChange:
        """Put back the labels change ``change_id`` replaced (mentions relabelled since are skipped)."""
        with writer(self.engine).begin() as conn:
            change = conn.execute(select(LC).where(LC.c.id == change_id)).first()
            if change is None:
                raise InvalidArgument(f"no label change {change_id}")
            if change.undone_at is not None:
                raise InvalidArgument(f"label change {change_id} was already undone by {change.undone_by or 'someone'}")
            items = {i.mention_id: i for i in conn.execute(select(LI).where(LI.c.change_id == change_id)).all()}
            restored = 0
            for chunk in _chunks(sorted(items)):
                later = set(
                    conn.execute(
                        select(LI.c.mention_id)
                        .select_from(LI.join(LC, LC.c.id == LI.c.change_id))
                        .where(LI.c.change_id > change_id, LC.c.undone_at.is_(None), LI.c.mention_id.in_(chunk))
                    ).scalars()
                )
                for m in conn.execute(select(M).where(M.c.id.in_(chunk))).all():
                    if m.id in later:
                        continue
                    self._restore(conn, m, items[m.id])
                    restored += 1
            conn.execute(update(LC).where(LC.c.id == change_id).values(undone_by=by, undone_at=at))
            row = conn.execute(select(LC).where(LC.c.id == change_id)).one()
            return _record(row, restored=restored, skipped=len(items) - restored)

    def _restore(self, conn: Connection, m: Any, item: Any) -> None:
        if item.old_origin == MANUAL:  # set by an earlier change? if that one was undone, go further back
            earlier = conn.execute(
                select(LI, LC.c.undone_at)
                .select_from(LI.join(LC, LC.c.id == LI.c.change_id))
                .where(LI.c.mention_id == m.id, LI.c.change_id < item.change_id)
                .order_by(LI.c.change_id.desc())
            ).all()
            for prev in earlier:
                if prev.undone_at is None:
                    break
                item = prev
        if item.old_origin == MANUAL:
            self._set_manual(conn, m, item.old_label, item.old_by, item.old_at)
        elif item.old_origin in GIVEN_ORIGINS:  # an import's or the stars' label
            self._relabel(conn, m, item.old_label, item.old_origin, None, manual=None)
            conn.execute(update(M).where(M.c.id == m.id).values(manual_by=None, manual_at=None))
        else:  # the model's (or none): its newest score, as clearing a person's label does
            self._clear_manual(conn, m)
            conn.execute(update(M).where(M.c.id == m.id).values(manual_by=None, manual_at=None))

    def label_changes(self, limit: int = 20, mention_id: int | None = None) -> list[LabelChange]:
        """The latest label changes (of one mention when given), newest first."""
        q = select(LC).order_by(LC.c.id.desc()).limit(limit)
        if mention_id is not None:
            q = q.where(LC.c.id.in_(select(LI.c.change_id).where(LI.c.mention_id == mention_id)))
        with self.engine.connect() as conn:
            return [_record(r) for r in conn.execute(q).all()]


__all__ = ["MAX_SELECTION", "LabelChange", "RelabelsStore"]

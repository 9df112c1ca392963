"""What a step or a scheduled job did, as one log line (its *outcome line*).

Every step of ``monitor run --once`` and every job of ``monitor run`` ends with exactly one
such line: INFO when it did its work (``ok``, ``not_modified``, ``skipped``), WARNING when
it did part of it or none (``partial``, ``blocked``, ``failed``, ``interrupted`` …), with
the reason. The same facts go to the log record as structured fields
(:func:`monitor._logs.outcome`), which ``--log-format json`` writes out: ``job``, ``kind``,
``status``, ``duration_s``, ``source``, ``new``, ``duplicate``, ``skipped``, ``scored``,
``model_version``, ``refreshed``, ``alerts``, ``day``, ``delivered`` …
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from monitor._logs import RUN_LOG, level_of, outcome, reason
from monitor._pipeline.results import StepResult
from monitor._ports import JSONObject


def count(counts: Mapping[str, object], key: str) -> int:
    """``counts[key]`` as an int (0 when missing or not a number)."""
    v = counts.get(key, 0)
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else 0


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def collect_facts(step: StepResult) -> tuple[str, JSONObject]:
    """``12 new, 3 duplicate, 0 skipped, 4 pages`` (and how many sources were blocked or failed)."""
    c = step.counts
    fields: JSONObject = {k: count(c, k) for k in ("new", "duplicate", "skipped", "pages", "sightings", "unmatched")}
    text = f"{fields['new']} new, {fields['duplicate']} duplicate, {fields['skipped']} skipped, " + _plural(
        count(c, "pages"), "page"
    )
    sources = step.details.get("sources")
    if isinstance(sources, dict):
        fields["sources"] = len(sources)
        bad = {k: sum(1 for s in sources.values() if s == k) for k in ("blocked", "failed", "partial")}
        fields.update({k: v for k, v in bad.items() if v})
        if len(sources) != 1:
            tail = ", ".join(f"{v} {k}" for k, v in bad.items() if v)
            text = _plural(len(sources), "source") + (f" ({tail})" if tail else "") + ", " + text
    return text, fields


def score_facts(step: StepResult) -> tuple[str, JSONObject]:
    """``scored 12 with mm-e5-small-sentiment 2026.11 (0 under the confidence threshold)``."""
    c, d = step.counts, step.details
    fields: JSONObject = {"scored": count(c, "scored"), "unscored": count(c, "unscored")}
    model, version = d.get("model"), d.get("model_version")
    if model is not None:
        fields.update(model=model, model_version=version)
    shown = model is not None and (fields["scored"] or step.status != "ok")  # "scored 0" needs no model
    text = f"scored {fields['scored']}" + (f" with {model} {version}" if shown else "")
    if fields["unscored"]:
        text += f" ({fields['unscored']} under the confidence threshold)"
    return text, fields


def digest_facts(step: StepResult) -> tuple[str, JSONObject]:
    """``to file digests/digest-2026-12-01.html, smtp 3 recipients via …, webhook hooks.slack.com``."""
    channels = step.details.get("channels")
    entries = [e for e in channels if isinstance(e, dict)] if isinstance(channels, list) else []
    fields: JSONObject = {"delivered": entries}
    if isinstance(step.counts.get("day"), str):
        fields["day"] = step.counts["day"]
    parts = []
    for e in entries:
        part = f"{e.get('channel')} {e.get('to')}"
        if e.get("status") == "already delivered":
            part += " (already delivered: not sent again)"
        elif e.get("status") == "failed":
            part += f" failed: {e.get('error')}" + (
                " (kept in the outbox; retried on the next run)" if e.get("kept") else ""
            )
        parts.append(part)
    outbox = {k: v for k, v in step.counts.items() if k.startswith("outbox_")}
    fields.update(outbox)
    sent = sum(count(outbox, k) for k in outbox if k.endswith("_sent"))
    tail = f"; {_plural(sent, 'earlier delivery', 'earlier deliveries')} sent from the outbox" if sent else ""
    return ("to " + ", ".join(parts) if parts else "delivered nowhere") + tail, fields


def step_line(step: StepResult, job: str | None = None, **extra: object) -> tuple[int, str, JSONObject]:
    """One step's outcome line: its level, its message and its fields."""
    fields: JSONObject = {"kind": step.name, "status": step.status}
    if job is not None:
        fields["job"] = job
    if step.duration_s is not None:
        fields["duration_s"] = round(step.duration_s, 3)
    fields.update(extra)
    head = job or step.name
    if step.name == "digest" and isinstance(step.counts.get("day"), str):
        head += f" {step.counts['day']}"
    if step.status == "skipped":
        why = step.counts.get("reason")
        return logging.INFO, f"{head} skipped" + (f": {why}" if why else ""), fields
    took = f" in {step.duration_s:.1f}s" if step.duration_s is not None else ""
    if step.name == "collect":
        text, more = collect_facts(step)
    elif step.name == "score":
        text, more = score_facts(step)
    elif step.name == "refresh":
        more = {"refreshed": count(step.counts, "snapshots"), "alerts": count(step.counts, "alerts")}
        by_brand = step.details.get("alerts")
        if isinstance(by_brand, dict) and by_brand:
            more["alerts_by_brand"] = by_brand
        # the 24 hours up to now, as `monitor alerts` judges them (the digest judges its calendar day)
        alerts = _plural(count(more, "alerts"), "alert")
        text = f"{_plural(count(more, 'refreshed'), 'brand-day')} refreshed, {alerts} in the last 24 h"
        if isinstance(by_brand, dict) and by_brand:
            text += " (" + ", ".join(f"{b} {n}" for b, n in by_brand.items()) + ")"
    elif step.name == "digest":
        text, more = digest_facts(step)
    elif step.name == "aspects":
        more = {k: count(step.counts, k) for k in ("tagged", "with_aspect", "cleared")}
        text = f"{_plural(count(more, 'tagged'), 'mention')} tagged, {count(more, 'with_aspect')} with an aspect"
        if count(more, "cleared"):
            text += " (the aspect config changed: every mention is tagged again)"
    elif step.name == "retention":
        more = {k: count(step.counts, k) for k in ("leases", "mentions", "runs")}
        text = "purged " + ", ".join(
            [
                _plural(count(more, "mentions"), "mention"),
                _plural(count(more, "runs"), "run"),
                _plural(count(more, "leases"), "lease"),
            ]
        )
    else:
        more = {k: v for k, v in step.counts.items() if isinstance(v, (int, float, str))}
        text = ", ".join(f"{k} {v}" for k, v in more.items())
    fields.update(more)
    message = f"{head} {step.status}{took}: {text}"
    if step.errors:
        fields["error"] = reason(step.errors)
        if not (step.name == "digest" and more.get("delivered")):  # a channel's failure is in ``text``
            message += f" — {fields['error']}"
    return level_of(step.status), message, fields


def log_line(level: int, message: str, fields: JSONObject) -> None:
    """Log one outcome line on the ``monitor.run`` logger."""
    outcome(RUN_LOG, level, message, fields)


def log_step(step: StepResult, job: str | None = None, **extra: object) -> None:
    """Log ``step``'s outcome line."""
    level, message, fields = step_line(step, job, **extra)
    outcome(RUN_LOG, level, message, fields)


def collect_job_line(
    job: str, source: str, collected: StepResult, scored: StepResult | None, refreshed: int, duration_s: float
) -> tuple[int, str, JSONObject]:
    """A ``collect:<source>`` job's one line: the source's outcome, the scoring, the index refresh."""
    sources = collected.details.get("sources")
    status = str(collected.status)
    if status != "interrupted" and isinstance(sources, dict):
        status = str(sources.get(source, status))  # the source's own: not_modified, blocked …
    text, fields = collect_facts(collected)
    errors = list(collected.errors)
    if scored is not None:
        more_text, more = score_facts(scored)
        text += f"; {more_text}"
        fields.update(more)
        if scored.status != "ok":
            errors += [f"scoring {scored.status}: {e}" for e in scored.errors] or [f"scoring {scored.status}"]
            status = "failed" if scored.status == "failed" else scored.status
    fields["refreshed"] = refreshed
    text += f"; {_plural(refreshed, 'brand-day')} refreshed"
    fields.update(job=job, kind="collect", source=source, status=status, duration_s=round(duration_s, 3))
    message = f"{job} {status} in {duration_s:.1f}s: {text}"
    if errors:
        fields["error"] = reason(errors)
        message += f" — {fields['error']}"
    return level_of(status), message, fields


__all__ = [
    "collect_facts",
    "collect_job_line",
    "count",
    "digest_facts",
    "log_line",
    "log_step",
    "score_facts",
    "step_line",
]

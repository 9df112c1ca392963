"""The dashboard's model page names the adapter a workspace adopted (``monitor model adapt``)."""

from __future__ import annotations

from monitor._api import MentionIndex
from monitor._sentiment.adapted import ADAPTED_KEY, AdaptedRecord
from tests.test_web import TestClient, client, clock, index, login  # noqa: F401  (fixtures)


def test_model_page_names_the_adopted_adapter_and_how_it_won(client: TestClient, index: MentionIndex) -> None:  # noqa: F811
    login(client, "vera")
    assert "None: every mention is scored by the shipped model" in client.get("/model").text
    record = AdaptedRecord(
        version="2.0.0-ws1+0123456789ab.bf16",
        model_version="2.0.0-ws1",
        path="/nowhere",
        languages=["sv"],
        shipped_version="2.0.0+aaaaaaaaaaaa.bf16",
        labels=412,
        adopted_at="2026-12-01T10:00:00+00:00",
        comparisons=[
            {
                "lang": "sv",
                "n": 300,
                "shipped_macro_f1": 0.61,
                "adapted_macro_f1": 0.74,
                "shipped_accuracy": 0.7,
                "adapted_accuracy": 0.8,
                "adopt": True,
                "reason": "<b>gain</b> above zero",
            },
            {
                "lang": "en",
                "n": 112,
                "shipped_macro_f1": 0.8,
                "adapted_macro_f1": 0.79,
                "shipped_accuracy": 0.82,
                "adapted_accuracy": 0.81,
                "adopt": False,
                "reason": "no gain",
            },
        ],
    )
    index.store.set_meta(ADAPTED_KEY, record.to_json())
    client.app.state.web.cache.clear()  # type: ignore[attr-defined]  # the page caches its figures
    html = client.get("/model").text
    assert "Mentions in sv are scored by an adapter trained on this team's own labels (412 labels" in html
    assert "<code>2.0.0-ws1+0123456789ab.bf16</code>" in html and "<code>2.0.0+aaaaaaaaaaaa.bf16</code>" in html
    assert '<td>sv</td><td class="num">300</td><td class="num">61' in html
    assert "&lt;b&gt;gain&lt;/b&gt;" in html and "<b>gain</b>" not in html  # escaped
    index.store.set_meta(ADAPTED_KEY, "{not json")
    client.app.state.web.cache.clear()  # type: ignore[attr-defined]
    html = client.get("/model").text
    assert "holds no adapted-model record" in html  # said, not a server error

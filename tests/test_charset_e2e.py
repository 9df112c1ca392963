"""Text decoded right, or said to be wrong — through a real loopback server, the collector
and a real database (SQLite and PostgreSQL).

Each route serves a schema.org review page whose charset is declared only in the HTTP
header, mislabelled, damaged by one stray byte, UTF-16 without a BOM, or not text at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from monitor._collect import collect
from monitor._config import Config, Secrets, config_from_dict

try:
    from test_http_localserver import LocalServer, Reply
except ImportError:  # tests/ is a package
    from tests.test_http_localserver import LocalServer, Reply

BG = [
    "Прахосмукачката Лумио е отлична, препоръчвам я на всички.",
    "Шумна е и батерията издържа само двадесет минути. Разочарован съм.",
    "Щастлив съм от покупката, чисти бързо и тихо.",
]
HY = [
    "Լումիոն շատ լավն է, խորհուրդ եմ տալիս բոլորին։",
    "Пылесос Лумио отличный, рекомендую всем друзьям.",
    "Լումիոյի մարտկոցը շուտ է նստում, հիասթափված եմ։",
]
EN = [
    "The Lumio vacuum is quiet and strong, I recommend it.",
    "Lumio broke after two weeks, very disappointed with it.",
]


def review_page(texts: list[str], lang: str) -> str:
    reviews = [
        {
            "@type": "Review",
            "@id": f"#r{i}",
            "author": {"name": f"user{i}"},
            "reviewBody": t,
            "reviewRating": {"ratingValue": str(1 + i % 5)},
            "datePublished": f"2025-03-0{i + 1}T10:00:00Z",
        }
        for i, t in enumerate(texts)
    ]
    ld = json.dumps({"@type": "Product", "name": "Lumio", "review": reviews}, ensure_ascii=False)
    script = f'<script type="application/ld+json">{ld}</script>'
    return f'<html lang="{lang}"><head><title>Lumio</title>{script}</head></html>'


def stray_byte(page: str) -> bytes:
    """The UTF-8 page with one invalid byte (0xff) in the middle of the first review."""
    raw = page.encode("utf-8")
    at = raw.index("Լումիոն".encode()) + len("Լումիոն".encode())
    return raw[:at] + b"\xff" + raw[at:]


def tagged(texts: list[str], tag: str) -> list[str]:
    """Distinct texts per route (the store keeps one copy of a text per brand)."""
    return [f"{t} ({tag})" for t in texts]


ROUTES: dict[str, tuple[bytes, str]] = {
    # charset only in the header: no <meta>, no BOM
    "/bg-1251": (review_page(tagged(BG, "a"), "bg").encode("cp1251"), "text/html; charset=windows-1251"),
    # one stray byte in an otherwise UTF-8 Armenian + Cyrillic page
    "/hy-stray": (stray_byte(review_page(tagged(HY, "b"), "hy")), "text/html; charset=utf-8"),
    # UTF-16-LE without a BOM, nothing declared
    "/en-utf16": (review_page(tagged(EN, "c"), "en").encode("utf-16-le"), "text/html"),
    # hostile: the header contradicts the bytes
    "/hy-said-latin1": (review_page(tagged(HY, "d"), "hy").encode("utf-8"), "text/html; charset=iso-8859-1"),
    "/bg-said-utf8": (review_page(tagged(BG, "e"), "bg").encode("cp1251"), "text/html; charset=utf-8"),
    "/en-utf16-said-utf8": (review_page(tagged(EN, "f"), "en").encode("utf-16-le"), "text/html; charset=utf-8"),
    # not text in any charset
    "/binary": (bytes(range(256)) * 8, "text/html"),
}
EXPECTED = {
    "/bg-1251": tagged(BG, "a"),
    "/hy-stray": tagged([HY[0].replace("Լումիոն", "Լումիոն\ufffd"), *HY[1:]], "b"),
    "/en-utf16": tagged(EN, "c"),
    "/hy-said-latin1": tagged(HY, "d"),
    "/bg-said-utf8": tagged(BG, "e"),
    "/en-utf16-said-utf8": tagged(EN, "f"),
}


def source_name(path: str) -> str:
    return path.strip("/")


@pytest.fixture
def site() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        for path, (body, ctype) in ROUTES.items():
            srv.routes[path] = lambda h, body=body, ctype=ctype: Reply(body=body, headers={"Content-Type": ctype})
        yield srv


def make_config(server: LocalServer, db_url: str) -> Config:
    return config_from_dict(
        {
            "database_url": db_url,
            "brands": [{"name": "Lumio", "aliases": ["Lumio", "Лумио", "Լումիո"]}],
            "sources": [
                {"name": source_name(p), "kind": "reviews", "brand": "Lumio", "url": server.url(p)} for p in ROUTES
            ],
            "http": {
                "contact": "test@example.com",
                "min_interval_s": 0,
                "timeout_s": 15,  # loopback: generous, so a loaded machine does not time it out
                "retries": 0,
                "allow_private_addresses": True,
            },
        }
    )


def collected(site: LocalServer, db_url: str) -> tuple[Any, dict[str, list[str]], dict[str, Any]]:
    from monitor._api import MentionIndex

    cfg = make_config(site, db_url)
    index = MentionIndex.open(cfg)
    report = collect(cfg, index, secrets=Secrets(_env_file=None))
    stored = {
        path: sorted(r.text for r in index.mentions("Lumio", source=source_name(path), limit=100)) for path in ROUTES
    }
    overview = {r.name: r for r in index.sources_overview()}
    index.close()
    return report, stored, overview


def test_every_charset_case_stores_the_right_text(site: LocalServer, db_url: str) -> None:
    report, stored, _overview = collected(site, db_url)
    by = {s.name: s for s in report.sources}
    for path, texts in EXPECTED.items():
        assert stored[path] == sorted(texts), path
        assert by[source_name(path)].status == "ok", path
    # exactly one replacement character, for the one stray byte
    assert sum(t.count("\ufffd") for t in stored["/hy-stray"]) == 1


def test_a_body_that_is_not_text_is_a_failed_page_with_a_reason(site: LocalServer, db_url: str) -> None:
    report, stored, overview = collected(site, db_url)
    rep = {s.name: s for s in report.sources}["binary"]
    assert stored["/binary"] == []
    assert rep.status == "failed" and "not text in any known charset" in (rep.reason or "")
    assert overview["binary"].status == "failing"
    assert "not text" in (overview["binary"].last_error or "")

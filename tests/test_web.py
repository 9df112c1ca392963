"""The web dashboard in process (Starlette's TestClient) over a real SQLite MentionIndex:
login, every page, escaping of hostile text, CSRF, roles, relabel and undo moving the MSI,
the login lockout, the security headers, keyset pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from monitor._api import MentionIndex
from monitor._config import config_from_dict
from monitor._index.formulas import wilson_interval
from monitor._records import Mention, Prediction
from monitor._store.accounts import Accounts
from monitor._web import WebSettings, create_app
from monitor._web.limiter import LoginLimiter
from monitor._web.passwords import hash_password
from monitor._web.security import CSP

NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse 1"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
_HASH: list[str] = []


def _hash() -> str:
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


def add_users(idx: MentionIndex, roles: tuple[str, ...] = ("viewer", "editor")) -> None:
    """The tests' users, all with :data:`PASSWORD`: vera the viewer, ed the editor, ada the admin."""
    names = {"viewer": "vera", "editor": "ed", "admin": "ada"}
    accounts = Accounts(idx.engine)
    for role in roles:
        accounts.add_user(names[role], role, _hash(), at=NOW)


def _predict(label: str) -> Prediction:
    p = {"negative": (0.8, 0.1, 0.1), "neutral": (0.1, 0.8, 0.1), "positive": (0.05, 0.15, 0.8)}[label]
    return Prediction(label, *p, model_id="mm-test", model_version="1.0")  # type: ignore[arg-type]


@pytest.fixture
def index(tmp_path: Path) -> Iterator[MentionIndex]:
    cfg = config_from_dict({"database_url": f"sqlite:///{tmp_path / 'web.db'}", "index": {"min_sample": 5}})
    idx = MentionIndex.open(cfg)
    acme, scores = [], []
    for d in range(14):
        day = NOW - timedelta(days=d, hours=1)
        for j in range(5):
            # every day: 3 positive, 1 neutral, 1 negative (by the model); 4 stars unless negative
            label = ("positive", "positive", "positive", "neutral", "negative")[j]
            acme.append(
                Mention(
                    f"a{d}-{j}",
                    f"Acme day {d} review {j} is {label}",
                    published_at=day if j < 3 else day - timedelta(minutes=j),  # ties on published_at
                    lang="sv" if j % 2 else "en",
                    url=f"https://shop.example/r/{d}-{j}",
                    rating=2.0 if label == "negative" else 4.0,
                    rating_scale=(1.0, 5.0),
                )
            )
            scores.append(label)
    acme.append(
        Mention(
            "hostile-1",
            f"bad {SCRIPT} text",
            published_at=NOW - timedelta(hours=2),
            lang="en",
            url="javascript:alert(1)",
            title=IMG,
            author=SCRIPT,
        )
    )
    acme.append(Mention("hostile-2", f"ok {IMG}", published_at=NOW - timedelta(hours=3), lang='en"><b>'))
    acme.append(Mention("hy-1", "Շատ լավ է", published_at=NOW - timedelta(hours=4), lang="hy", label="positive"))
    scores += ["negative", "neutral"]
    res = idx.add_mentions("Acme", "acme-shop", acme, source_kind="reviews")
    idx.store.add_scores(
        [(mid, _predict(lab), True) for mid, lab in zip(res.mention_ids, scores, strict=False)], now=NOW
    )
    idx.add_mentions(
        "Rival",
        "hn-rival",
        [Mention(f"r{i}", f"rival {i}", published_at=NOW - timedelta(days=i), label="positive") for i in range(6)],
        source_kind="hackernews",
    )
    idx.refresh()
    add_users(idx, ("viewer", "editor", "admin"))
    yield idx
    idx.close()


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(index: MentionIndex, clock: Clock) -> Iterator[TestClient]:
    app = create_app(index, WebSettings(), clock=lambda: NOW, limiter=LoginLimiter(5, 60, 900, clock=clock))
    with TestClient(app, follow_redirects=False) as c:
        yield c


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> int:
    page = client.get("/login")
    r = client.post("/login", data={"name": name, "password": password, "csrf": csrf_of(page.text), "next": "/"})
    return r.status_code


def page_csrf(client: TestClient, path: str = "/mentions") -> str:
    r = client.get(path)
    assert r.status_code == 200
    return csrf_of(r.text)


def brand_msi(client: TestClient) -> str:
    html = client.get("/brand?name=Acme&days=7").text
    m = re.search(
        r'<div class="figure standing-\w+"><span class="label">MSI</span>\s*<span class="msi">([^<]+)</span>', html
    )
    assert m, html[:2000]
    return unescape(m.group(1))


# -- login ---------------------------------------------------------------------------------


def test_pages_need_a_login(client: TestClient) -> None:
    for path in ("/", "/brand?name=Acme", "/mentions", "/sources", "/model"):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), path
    assert client.post("/relabel", data={"label": "positive", "ids": "1"}).status_code == 401
    assert client.get("/healthz").text == "ok"


def test_login_and_logout(client: TestClient) -> None:
    assert login(client, "vera", "wrong password") == 401
    assert login(client, "nobody") == 401
    assert login(client, "vera") == 303
    cookie = client.cookies.get("mm_session")
    assert cookie
    r = client.get("/")
    assert r.status_code == 200 and "vera" in r.text
    set_cookie = client.get("/login").headers.get("set-cookie", "")
    assert set_cookie == ""  # logged in: /login goes on, sets no cookie
    r = client.post("/logout", data={"csrf": page_csrf(client, "/")})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    client.cookies.set("mm_session", cookie)  # the old cookie is dead on the server too
    assert client.get("/").status_code == 303


def test_session_cookie_flags(index: MentionIndex) -> None:
    app = create_app(index, WebSettings(secure_cookies=True), clock=lambda: NOW)
    with TestClient(app, follow_redirects=False, base_url="https://testserver") as c:
        page = c.get("/login")
        r = c.post("/login", data={"name": "ed", "password": PASSWORD, "csrf": csrf_of(page.text), "next": "/"})
    cookie = r.headers["set-cookie"]
    assert "mm_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie


def test_login_form_needs_its_token(client: TestClient) -> None:
    client.get("/login")
    r = client.post("/login", data={"name": "vera", "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403


def test_login_redirects_only_to_local_paths(client: TestClient) -> None:
    page = client.get("/login")
    data = {"name": "vera", "password": PASSWORD, "csrf": csrf_of(page.text)}
    r = client.post("/login", data={**data, "next": "//evil.example/"})
    assert r.headers["location"] == "/"
    client.cookies.clear()
    page = client.get("/login")
    r = client.post("/login", data={**data, "csrf": csrf_of(page.text), "next": "/mentions?brand=Acme"})
    assert r.headers["location"] == "/mentions?brand=Acme"


def test_lockout_after_five_failures(client: TestClient, clock: Clock) -> None:
    for _ in range(5):
        assert login(client, "ed", "not it at all") == 401
    assert login(client, "ed") == 429  # locked: even the right password
    assert login(client, "vera") == 303  # another name is not locked
    client.cookies.clear()
    clock.t += 61
    assert login(client, "ed") == 303


# -- pages ---------------------------------------------------------------------------------


def test_every_page_renders_for_a_viewer(client: TestClient, index: MentionIndex) -> None:
    assert login(client, "vera") == 303
    for path in (
        "/",
        "/?days=30",
        "/brand?name=Acme",
        "/brand?name=Rival&days=90",
        "/mentions",
        "/sources",
        "/model",
        "/mentions?brand=Acme&label=negative&lang=en&source=reviews&origin=model&stars=2"
        "&since=2026-12-01&until=2026-12-10&q=review",
    ):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        assert "<svg" in r.text or path not in ("/", "/brand?name=Acme")
    assert client.get("/brand?name=Nope").status_code == 404
    assert client.get("/nowhere").status_code == 404
    bad = client.get("/mentions?since=yesterday")
    assert bad.status_code == 400 and "is not a date" in bad.text


def test_overview_numbers_are_the_apis(client: TestClient, index: MentionIndex) -> None:
    login(client, "vera")
    html = client.get("/").text
    start = NOW.date() - timedelta(days=6)
    acme = {r.brand: r for r in index.compare(["Acme", "Rival"], start, NOW.date())}["Acme"]
    assert f"{acme.msi * 100:.1f} %" in html
    assert f"{acme.msi_low * 100:.1f}–{acme.msi_high * 100:.1f} %" in html
    assert f"{acme.share_of_voice * 100:.1f} %" in html


def test_hostile_text_is_escaped(client: TestClient) -> None:
    login(client, "vera")
    for path in ("/mentions?brand=Acme", "/brand?name=Acme&days=7"):
        html = client.get(path).text
        assert SCRIPT not in html and IMG not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    html = client.get("/mentions?brand=Acme").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript:' not in html  # a hostile URL is not a link
    assert 'rel="noopener noreferrer"' in html and 'dir="auto"' in html
    assert 'lang="hy"' in html and 'lang="en&#34;&gt;' not in html and "<b>" not in html


def test_text_search_any_case_syntax_as_text_and_too_long(client: TestClient) -> None:
    login(client, "vera")
    r = client.get("/mentions", params={"q": "ՇԱՏ ԼԱՎ"})  # Armenian capitals find the lower-case text
    assert r.status_code == 200 and "Շատ լավ է" in r.text and r.text.count("<article") == 1
    assert "Every word, anywhere in the title or text" in unescape(r.text)  # what a search matches
    r = client.get("/mentions", params={"q": 'review "4" OR NEAR(x'})  # no operators: nothing holds all that
    assert r.status_code == 200 and "No mention matches" in r.text
    r = client.get("/mentions", params={"q": "x" * 201})
    assert r.status_code == 400 and "201 characters long; at most 200 are allowed" in r.text


def test_security_headers(client: TestClient) -> None:
    for r in (client.get("/login"), client.get("/static/style.css"), client.get("/nowhere")):
        assert r.headers["content-security-policy"] == CSP
        assert "script-src 'self'" in CSP and "frame-ancestors 'none'" in CSP and "object-src 'none'" in CSP
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"]
    login(client, "vera")
    html = client.get("/").text
    assert "<script" not in html and " style=" not in html and "onerror" not in html


# -- CSRF, roles, relabel, undo ------------------------------------------------------------


def _negative_ids(index: MentionIndex) -> list[int]:
    return [m.id for m in index.mentions("Acme", sentiment="negative", limit=500) if m.label_origin != "manual"]


def test_csrf_missing_or_wrong_is_refused(client: TestClient, index: MentionIndex) -> None:
    login(client, "ed")
    mid = _negative_ids(index)[0]
    assert client.post("/relabel", data={"label": "positive", "ids": str(mid)}).status_code == 403
    r = client.post("/relabel", data={"label": "positive", "ids": str(mid), "csrf": "x" * 43})
    assert r.status_code == 403
    assert client.post("/logout").status_code == 403
    assert index.mentions("Acme", sentiment="negative", limit=500)[0].label == "negative"
    assert not index.label_changes()


def test_a_viewer_cannot_relabel(client: TestClient, index: MentionIndex) -> None:
    login(client, "vera")
    html = client.get("/mentions").text
    assert 'action="/relabel"' not in html  # no form for a viewer
    mid = _negative_ids(index)[0]
    r = client.post("/relabel", data={"label": "positive", "ids": str(mid), "csrf": csrf_of(html)})
    assert r.status_code == 403
    assert not index.label_changes()


def test_editor_relabels_and_undoes_and_the_msi_follows(client: TestClient, index: MentionIndex) -> None:
    login(client, "ed")
    before = brand_msi(client)
    week = NOW.date() - timedelta(days=6)
    api_before = index.satisfaction("Acme", week, NOW.date(), by=None)[0]
    assert before == f"{api_before.msi * 100:.1f} %"
    ids = _negative_ids(index)[:3]
    csrf = page_csrf(client)
    r = client.post(
        "/relabel",
        data={
            "label": "positive",
            "ids": [str(i) for i in ids],
            "csrf": csrf,
            "scope": "selected",
            "back": "/mentions?brand=Acme",
        },
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/mentions?brand=Acme&done=")
    after = brand_msi(client)
    api_after = index.satisfaction("Acme", week, NOW.date(), by=None)[0]
    assert after == f"{api_after.msi * 100:.1f} %" and api_after.msi > api_before.msi and after != before
    [change] = index.label_changes()
    assert change.changed_by == "ed" and change.mentions == 3 and change.label == "positive"
    page = client.get(r.headers["location"]).text
    assert "label from a person (ed, 2026-" in page and "Relabelled (change" in page
    r = client.post(f"/changes/{change.id}/undo", data={"csrf": csrf, "back": "/mentions"})
    assert r.status_code == 303
    assert brand_msi(client) == before
    assert {m.id: m.label for m in index.mentions("Acme", sentiment="negative", limit=500)}.keys() >= set(ids)
    assert index.label_changes()[0].undone_by == "ed"
    assert client.post(f"/changes/{change.id}/undo", data={"csrf": csrf}).status_code == 400  # already undone


def test_relabel_one_and_a_filtered_selection(client: TestClient, index: MentionIndex) -> None:
    login(client, "ada")
    csrf = page_csrf(client)
    hy = index.mentions("Acme", lang="hy")[0]
    assert hy.label_origin == "import"
    r = client.post("/relabel", data={"pick": f"{hy.id}:neutral", "csrf": csrf, "back": "/mentions"})
    assert r.status_code == 303
    assert index.mentions("Acme", lang="hy")[0].label == "neutral"
    filt = {"f_brand": "Acme", "f_label": "negative", "f_lang": "en"}
    n = len(index.mentions("Acme", sentiment="negative", lang="en", limit=500))
    r = client.post("/relabel", data={**filt, "label": "neutral", "scope": "all", "csrf": csrf, "back": "/mentions"})
    assert r.status_code == 303
    assert index.mentions("Acme", sentiment="negative", lang="en", limit=500) == []
    assert index.label_changes()[0].mentions == n
    assert client.post("/relabel", data={"label": "neutral", "scope": "all", "csrf": csrf}).status_code == 400
    for change in index.label_changes():  # undo newest first: back to where it started
        client.post(f"/changes/{change.id}/undo", data={"csrf": csrf})
    assert len(index.mentions("Acme", sentiment="negative", lang="en", limit=500)) == n
    restored = index.mentions("Acme", lang="hy")[0]
    assert (restored.label, restored.label_origin) == ("positive", "import")


def test_read_only_mode_is_loopback_only_and_cannot_write(index: MentionIndex) -> None:
    from monitor.errors import ConfigError

    with pytest.raises(ConfigError, match="loopback"):
        create_app(index, WebSettings(host="0.0.0.0", no_auth=True))
    app = create_app(index, WebSettings(no_auth=True), clock=lambda: NOW)
    with TestClient(app, follow_redirects=False, client=("127.0.0.1", 5000)) as c:
        assert c.get("/").status_code == 200 and "read-only" in c.get("/").text
        assert c.post("/relabel", data={"label": "positive", "ids": "1", "csrf": ""}).status_code == 403
    with TestClient(app, follow_redirects=False, client=("192.0.2.7", 5000)) as c:
        assert c.get("/").status_code == 403


# -- keyset pages ----------------------------------------------------------------------------


def test_keyset_pages_list_each_mention_once(client: TestClient, index: MentionIndex) -> None:
    login(client, "vera")
    seen: list[int] = []
    url: str | None = "/mentions?brand=Acme"
    pages = 0
    while url:
        html = client.get(url).text
        seen += [int(x) for x in re.findall(r'<article class="mention[^"]*" id="m(\d+)"', html)]
        m = re.search(r'<a href="(/mentions\?[^"]+)" rel="next">', html)
        url = unescape(m.group(1)) if m else None
        pages += 1
    total = len(index.mentions("Acme", limit=10_000))
    assert pages == 2 and len(seen) == total == 73 and len(set(seen)) == total
    assert seen == [m.id for m in index.mentions("Acme", limit=10_000)]


def test_api_cursor_pages(index: MentionIndex) -> None:
    first = index.mentions("Acme", limit=10)
    second = index.mentions("Acme", limit=10, after=first[-1].cursor)
    assert not {m.id for m in first} & {m.id for m in second}
    assert index.mentions(None, limit=1000, text="RIVAL 3")[0].brand == "Rival"
    from monitor.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="cursor"):
        index.mentions("Acme", after="nonsense")
    with pytest.raises(InvalidArgument, match="newest-first"):
        index.mentions("Acme", sentiment="negative", order="strongest", after=first[-1].cursor)
    assert all(m.rating == 2.0 for m in index.mentions("Acme", stars=2, limit=100))
    assert {m.label_origin for m in index.mentions("Acme", origin="model", limit=100)} == {"mm-test@1.0"}


def test_model_page_agreement(client: TestClient) -> None:
    login(client, "vera")
    html = client.get("/model").text
    # 70 rated mentions the model scored: negatives have 2 stars, the rest 4 (neutral disagrees);
    # the stars label them, the model's scores are still measured (the same figures as `model check`)
    assert "<strong>80.0 %</strong> of the 70 rated mentions it scored" in html
    low, high = wilson_interval(56, 70) or (0.0, 0.0)
    assert "from 2026-11-11 to 2026-12-10" in html and f"{100 * low:.1f}–{100 * high:.1f} %" in html
    assert re.search(r"<td>sv <span class=\"muted\">\(language\)</span></td><td class=\"num\">28</td>", html)
    assert "mm-test@1.0" in html and '<td>rating</td><td class="num">70</td>' in html
    assert re.search(r"Scores are stored as</dt><dd><code>mm-e5-small-sentiment@[\d.]+\+[0-9a-f]{12}", html)
    # what auto picks on this CPU and why, and the shipped model's measured precision table
    assert "Precision chosen by “auto”" in html and "Precisions measured on avx512-vnni CPUs" in html
    from monitor._sentiment.loader import cpu_has_fast_bf16

    if cpu_has_fast_bf16():  # the shipped table's choice where bf16 is native
        assert re.search(r"<td>bf16 \(auto\)</td><td class=\"num\">[\d.]+</td>", html)


def test_brand_page_says_what_drove_the_move_as_the_api_does(client: TestClient, index: MentionIndex) -> None:
    import html as html_lib

    from monitor._digest.alerts import describe
    from monitor._digest.formats import Formats

    login(client, "vera")
    page = client.get("/brand?name=Acme&days=7").text
    report = index.drivers("Acme", NOW.date(), days=7, limit=5)
    assert "What drove it" in page
    assert html_lib.escape(report.headline(), quote=False) in page
    for d in report.drivers:  # whole counts without decimals ("35 → 38", not "35.0 → 38")
        assert f"{d.before.total:,.0f} → {d.after.total:,.0f}" in page and ".0 →" not in page
    # alerts with human titles and their numbers, as the digest words them
    alerts = index.alerts("Acme", NOW, drivers=False)
    assert alerts, "the page's data raises no alert: nothing checked"
    for a in alerts:
        assert html_lib.escape(describe(a, Formats(), day="in the last 24 hours").title, quote=False) in page
    assert "msi below bar" not in page and "volume spike" not in page


def test_brand_page_before_themes_and_aspect_tags_says_so(client: TestClient, index: MentionIndex) -> None:
    login(client, "vera")
    html = client.get("/brand?name=Acme&days=7").text
    assert index.theme_names("Acme") == {} and {a.tagged for a in index.aspects("Acme")} == {0}
    assert '<h2>Themes</h2>\n<p class="muted">No themes yet: they are computed after scoring.</p>' in html
    assert '<h2>Aspects</h2>\n<p class="muted">No aspects yet: mentions are tagged after scoring.</p>' in html
    assert 'class="themes"' not in html and 'class="aspects"' not in html

"""The dashboard in a real browser: headless Chromium (the system's package, driven by
Selenium through the system's chromedriver) against ``monitor serve`` running as a real
process on a loopback port over a SQLite database.

Log in, the overview, a brand, mentions filtered by language, an editor's relabel moving
the brand's MSI, hostile text staying inert, a POST without CSRF token refused, a viewer
unable to relabel. Skipped (with the reason) where Chromium, chromedriver or Selenium is
missing: ``.ci/run`` installs them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from monitor._api import MentionIndex
from monitor._records import Mention, Prediction
from monitor._store.accounts import Accounts
from monitor._web.passwords import hash_password
from tests.test_web_cli import _free_port

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("MONITOR_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("MONITOR_CHROMEDRIVER", "/usr/bin/chromedriver")
PASSWORD = "browser-pass-1"
SCRIPT = "<script>alert('xss')</script>"
IMG = "<img src=x onerror=alert('img')>"


def _why_no_browser() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).is_file() and os.access(path, os.X_OK)) and not shutil.which(path):
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    return None


pytestmark = pytest.mark.skipif(_why_no_browser() is not None, reason=str(_why_no_browser()))


def browser() -> WebDriver:
    """Headless Chromium through the system chromedriver; Selenium Manager downloads nothing."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1200,900",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(20)
    return driver


def _prediction(label: str) -> Prediction:
    p = {"negative": (0.8, 0.1, 0.1), "neutral": (0.1, 0.8, 0.1), "positive": (0.05, 0.15, 0.8)}[label]
    return Prediction(label, *p, model_id="mm-test", model_version="1.0")  # type: ignore[arg-type]


def seed(config: Path) -> None:
    """Two brands over the last ten days (English and Swedish), hostile mentions, two users."""
    from monitor._config import load_config

    now = datetime.now(UTC)
    idx = MentionIndex.open(load_config(config))
    try:
        rows, labels = [], []
        for d in range(10):
            for j in range(4):
                label = ("positive", "positive", "neutral", "negative")[j]
                rows.append(
                    Mention(
                        f"a{d}-{j}",
                        f"Acme day {d} review {j}: {'great' if label == 'positive' else 'meh'}",
                        published_at=now - timedelta(days=d, hours=1 + j),
                        lang="sv" if j == 1 else "en",
                        url=f"https://shop.example/r/{d}-{j}",
                        rating=2.0 if label == "negative" else 4.0,
                        rating_scale=(1.0, 5.0),
                    )
                )
                labels.append(label)
        rows.append(Mention("hostile-1", f"bad {SCRIPT} text", published_at=now - timedelta(hours=2), lang="en"))
        rows.append(Mention("hostile-2", f"odd {IMG} text", published_at=now - timedelta(hours=3), lang="en"))
        labels += ["neutral", "neutral"]
        res = idx.add_mentions("Acme", "acme-shop", rows, source_kind="reviews")
        idx.store.add_scores(
            [(mid, _prediction(lab), True) for mid, lab in zip(res.mention_ids, labels, strict=True)], now=now
        )
        idx.add_mentions(
            "Rival",
            "hn-rival",
            [Mention(f"r{i}", f"rival {i}", published_at=now - timedelta(days=i), label="positive") for i in range(6)],
            source_kind="hackernews",
        )
        idx.refresh()
        accounts = Accounts(idx.engine)
        hashed = hash_password(PASSWORD)
        for name, role in (("vera", "viewer"), ("ed", "editor")):
            accounts.add_user(name, role, hashed, at=now)
    finally:
        idx.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("browser")
    config = tmp / "monitor.toml"
    config.write_text(
        f'database_url = "sqlite:///{tmp / "web.db"}"\n[index]\nmin_sample = 5\ntimezone = "UTC"\n', encoding="utf-8"
    )
    seed(config)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "serve", "--port", str(port), "--config", str(config)],
        cwd=tmp,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).text == "ok":
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("monitor serve did not answer within 60 s")
        yield base
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0].decode()
        assert proc.returncode == 0, out  # SIGTERM: requests finish, then a clean exit
        assert "Traceback" not in out, out


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    d = browser()
    try:
        yield d
    finally:
        d.quit()


def click_and_load(driver: WebDriver, element: WebElement) -> None:
    """Click what navigates, and wait for the next page (else a lookup may still find the old one)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 15).until(expected_conditions.staleness_of(page))


def log_in(driver: WebDriver, base: str, name: str) -> None:
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()
    driver.get(f"{base}/")
    assert "/login" in driver.current_url  # every page needs a login
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    click_and_load(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Overview"


def no_alert(driver: WebDriver) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018  (the property raises when no dialog is open)


def brand_msi(driver: WebDriver, base: str) -> str:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/brand?name=Acme&days=7")
    return str(driver.find_element(By.CSS_SELECTOR, "div.figure .msi").text)


def session_client(driver: WebDriver, base: str) -> httpx.Client:
    """An HTTP client holding the browser's session cookie (and nothing else)."""
    cookie = driver.get_cookie("mm_session")
    assert cookie is not None and cookie.get("httpOnly") is True
    return httpx.Client(base_url=base, cookies={"mm_session": cookie["value"]}, follow_redirects=False, timeout=10)


def test_login_overview_brand_and_language_filter(server: str, driver: WebDriver) -> None:
    from selenium.webdriver.common.by import By

    log_in(driver, server, "ed")
    rows = driver.find_elements(By.CSS_SELECTOR, "table.overview tbody tr")
    assert [r.find_element(By.CSS_SELECTOR, "td a").text for r in rows] == ["Acme", "Rival"]
    assert driver.find_elements(By.CSS_SELECTOR, "table.overview svg")  # the sparklines render
    click_and_load(driver, driver.find_element(By.LINK_TEXT, "Acme"))
    assert "Acme" in driver.find_element(By.TAG_NAME, "h1").text
    assert driver.find_elements(By.CSS_SELECTOR, "svg")  # the trend chart
    assert re.fullmatch(r"\d+(\.\d+)? ?%", brand_msi(driver, server))
    driver.get(f"{server}/mentions?brand=Acme")
    field = driver.find_element(By.NAME, "lang")
    field.clear()
    field.send_keys("sv")
    click_and_load(driver, driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
    assert "lang=sv" in driver.current_url
    footers = [f.text for f in driver.find_elements(By.CSS_SELECTOR, "article.mention footer")]
    assert len(footers) == 10 and all(" · sv · " in f for f in footers), footers
    no_alert(driver)


def test_hostile_text_stays_inert(server: str, driver: WebDriver) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{server}/mentions?brand=Acme&q=text")
    no_alert(driver)
    texts = [p.text for p in driver.find_elements(By.CSS_SELECTOR, "article.mention p.text")]
    assert f"bad {SCRIPT} text" in texts and f"odd {IMG} text" in texts, texts
    assert not driver.find_elements(By.CSS_SELECTOR, "main img, main script")  # no element came from the text
    assert driver.execute_script("return typeof window.xss") == "undefined"


def test_editor_relabels_and_the_msi_moves(server: str, driver: WebDriver) -> None:
    from selenium.webdriver.common.by import By

    before = brand_msi(driver, server)
    driver.get(f"{server}/mentions?brand=Acme&label=negative")
    first = driver.find_element(By.CSS_SELECTOR, "article.mention")
    mention_id = first.get_attribute("id")
    click_and_load(driver, first.find_element(By.CSS_SELECTOR, "button[value$=':positive']"))
    assert "Relabelled" in driver.find_element(By.CSS_SELECTOR, "p.notice").text
    driver.get(f"{server}/mentions?brand=Acme&origin=manual")
    relabelled = driver.find_element(By.CSS_SELECTOR, f"article#{mention_id}")
    assert "a person (ed" in relabelled.find_element(By.CSS_SELECTOR, ".origin").text
    after = brand_msi(driver, server)
    assert float(after.rstrip(" %")) > float(before.rstrip(" %")), (before, after)


def test_post_without_csrf_token_is_refused(server: str, driver: WebDriver) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{server}/mentions?brand=Acme")
    mention_id = driver.find_element(By.CSS_SELECTOR, "article.mention").get_attribute("id")
    assert mention_id and mention_id.startswith("m")
    with session_client(driver, server) as c:
        assert c.get("/mentions").status_code == 200  # the cookie is a live session
        r = c.post("/relabel", data={"pick": f"{mention_id[1:]}:negative"})
        assert r.status_code == 403
        wrong = c.post("/relabel", data={"pick": f"{mention_id[1:]}:negative", "csrf": "not-the-token"})
        assert wrong.status_code == 403


def test_viewer_cannot_relabel(server: str, driver: WebDriver) -> None:
    from selenium.webdriver.common.by import By

    log_in(driver, server, "vera")
    driver.get(f"{server}/mentions?brand=Acme")
    assert driver.find_elements(By.CSS_SELECTOR, "article.mention")
    assert not driver.find_elements(By.CSS_SELECTOR, "form#relabel, button[name=pick], input[name=ids]")
    mention_id = str(driver.find_element(By.CSS_SELECTOR, "article.mention").get_attribute("id"))[1:]
    token = driver.find_element(By.CSS_SELECTOR, "form[action='/logout'] input[name=csrf]").get_attribute("value")
    with session_client(driver, server) as c:
        r = c.post("/relabel", data={"pick": f"{mention_id}:negative", "csrf": token})
        assert r.status_code == 403
    no_alert(driver)

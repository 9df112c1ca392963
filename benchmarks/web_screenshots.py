"""Screenshots of every dashboard page over the demo's data, for the README.

    python benchmarks/web_screenshots.py docs/screenshots

Runs the demo (the real pipeline and model, as ``monitor demo`` does), serves its database
with ``monitor serve`` on a free loopback port, logs in with headless Chromium (the
system's ``chromium`` and ``chromedriver``, driven by Selenium; nothing is downloaded) and
saves each page 1200 px wide as a palette PNG (Pillow, optimised).
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from PIL import Image

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from monitor._store.accounts import Accounts  # noqa: E402
from monitor._web.passwords import hash_password  # noqa: E402

WIDTH, MAX_HEIGHT = 1200, 2000
PASSWORD = "screenshot-pass-1"
PAGES = [
    ("login", "/login"),
    ("overview", "/?days=30"),
    ("brand", "/brand?name=Lumio&days=30"),
    ("mentions", "/mentions?brand=Lumio&label=negative"),
    ("sources", "/sources"),
    ("model", "/model"),
]


def browser() -> WebDriver:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("MONITOR_CHROMIUM", "/usr/bin/chromium")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--window-size={WIDTH},900",
    ):
        options.add_argument(arg)
    driver = os.environ.get("MONITOR_CHROMEDRIVER", "/usr/bin/chromedriver")
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


def save(png: bytes, out: Path) -> int:
    """``png`` cropped to :data:`MAX_HEIGHT`, quantised to 128 colours, optimised; bytes written."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    if img.width != WIDTH:
        img = img.resize((WIDTH, round(img.height * WIDTH / img.width)), Image.Resampling.LANCZOS)
    img = img.crop((0, 0, WIDTH, min(img.height, MAX_HEIGHT)))
    img.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(out, optimize=True)
    return out.stat().st_size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="folder for the PNGs")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from monitor._api import MentionIndex
    from monitor._config import load_config
    from monitor._demo import run_demo

    with tempfile.TemporaryDirectory() as d:
        demo = run_demo(Path(d) / "demo")
        with MentionIndex.open(load_config(demo.config_path)) as idx:
            Accounts(idx.engine).add_user("ana", "editor", hash_password(PASSWORD), at=datetime.now(UTC))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "monitor", "serve", "--port", str(port), "--config", str(demo.config_path)],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.DEVNULL,
        )
        driver = browser()
        try:
            for _ in range(100):
                try:
                    httpx.get(f"{base}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            from selenium.webdriver.common.by import By

            total = 0
            for name, path in PAGES:
                driver.get(base + path)
                if name == "login":
                    total += shoot(driver, args.out / f"{name}.png")
                    driver.find_element(By.NAME, "name").send_keys("ana")
                    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
                    driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
                    continue
                total += shoot(driver, args.out / f"{name}.png")
            print(f"{len(PAGES)} screenshots, {total / 1024:.0f} KiB in {args.out}")
        finally:
            driver.quit()
            server.terminate()
            server.wait(timeout=30)


def shoot(driver: WebDriver, out: Path) -> int:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, min(int(height) + 100, MAX_HEIGHT))
    # the window's inner width is what the page lays out in: make the viewport WIDTH wide
    inner = driver.execute_script("return window.innerWidth")
    if inner != WIDTH:
        driver.set_window_size(2 * WIDTH - int(inner), min(int(height) + 100, MAX_HEIGHT))
    size = save(driver.get_screenshot_as_png(), out)
    print(f"  {out.name}: {size / 1024:.0f} KiB")
    return size


if __name__ == "__main__":
    main()

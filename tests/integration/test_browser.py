"""The report and the dashboard in a real browser: Debian's headless Chromium driven by Selenium through
Debian's chromedriver (``make test`` installs both from system-packages-test.txt).

What an operator relies on: the rescan list is there and first, every picture decodes and shows, the verdict
filter hides and shows the right items, the report fetches nothing from the network, and the dashboard needs its
token and shows a batch appearing while it runs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from integration_helpers import dashboard as serve_dashboard
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from svs.report import build_report

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
TOKEN = "browser-test-token-0123456789"


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} is missing: make test installs Debian's chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000", "--no-first-run", "--disable-background-networking"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _visible_items(driver: WebDriver) -> list[str]:
    return [e.get_attribute("data-verdict") or "" for e in driver.find_elements(By.CSS_SELECTOR, ".item")
            if e.is_displayed()]


def _broken_images(driver: WebDriver) -> int:
    return int(driver.execute_script(
        "return Array.from(document.images).filter(function(i){return !(i.complete && i.naturalWidth>0)}).length"))


def test_report_in_chromium_shows_rescans_first_every_picture_and_filters(stored_sample, browser: WebDriver,  # type: ignore[no-untyped-def]
                                                                          tmp_path: Path) -> None:
    store, batch_id = stored_sample
    page = tmp_path / "report.html"
    page.write_bytes(build_report(store, batch_id))
    browser.get(page.as_uri())

    rescan = browser.find_element(By.ID, "rescan")
    entries = rescan.find_elements(By.TAG_NAME, "li")
    assert rescan.is_displayed() and len(entries) == 3
    assert any("03-form-skewed.jpg" in e.text for e in entries)
    first_item = browser.find_element(By.CSS_SELECTOR, ".item")
    assert rescan.location["y"] < first_item.location["y"]  # the rescan list comes first on screen

    images = browser.find_elements(By.CSS_SELECTOR, ".item img")
    assert len(images) >= 12 and _broken_images(browser) == 0
    assert all(i.size["width"] > 10 and i.size["height"] > 10 for i in images if i.is_displayed())

    everything = _visible_items(browser)
    assert everything.count("rescan") == 3 and len(everything) == len(browser.find_elements(By.CSS_SELECTOR, ".item"))
    browser.find_element(By.CSS_SELECTOR, '.filters button[data-verdict="rescan"]').click()
    assert _visible_items(browser) == ["rescan"] * 3
    assert browser.find_element(By.ID, "shown").text == "3"
    browser.find_element(By.CSS_SELECTOR, '.filters button[data-verdict="accepted"]').click()
    shown = _visible_items(browser)
    assert shown and set(shown) == {"accepted"}
    browser.find_element(By.CSS_SELECTOR, '.filters button[data-verdict="all"]').click()
    assert len(_visible_items(browser)) == len(everything)

    # a rescan entry links to its item, which is then on screen
    entries[0].find_element(By.TAG_NAME, "a").click()
    target = browser.execute_script("return location.hash")
    assert target.startswith("#item-") and browser.find_element(By.ID, target[1:]).is_displayed()

    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').map(function(e){return e.name})")
    assert [u for u in fetched if not str(u).startswith(("data:", "file:"))] == []  # nothing from the network


@pytest.fixture
def dashboard(stored_sample, tmp_path: Path) -> Iterator[tuple[str, Path]]:  # type: ignore[no-untyped-def]
    """``svs serve`` over a copy of the sample store: (base URL, store root)."""
    store, _ = stored_sample
    root = tmp_path / "store"
    shutil.copytree(store.root, root)
    with serve_dashboard(root, TOKEN) as base:
        yield base, root


def test_dashboard_in_chromium_needs_the_token_lists_batches_live_and_shows_pictures(
        dashboard: tuple[str, Path], stored_sample, browser: WebDriver, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, root = dashboard
    _, batch_id = stored_sample
    browser.delete_all_cookies()
    browser.get(base + "/")
    assert "token is required" in browser.find_element(By.TAG_NAME, "body").text

    browser.get(f"{base}/?token={TOKEN}")
    assert "token" not in browser.current_url  # the redirect drops it from the address bar
    row = browser.find_element(By.CSS_SELECTOR, f'tr.batch[data-batch="{batch_id}"]')
    assert "(complete)" in row.text and "accepted" in row.text

    # a new batch processed while the page is open appears by itself (the page polls the JSON API)
    from svs.api import run_batch
    from svs.pipeline import Options

    small = tmp_path / "small"
    small.mkdir()
    for name in ("01-form-p1.jpg", "03-form-skewed.jpg"):
        shutil.copy(Path(__file__).resolve().parents[2] / "fixtures" / "sample-batch" / name, small / name)
    new_id = run_batch(small, str(root), jobs=1, options=Options(mrz=False)).batch.batch_id
    WebDriverWait(browser, 15).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f'tr.batch[data-batch="{new_id}"]'))
    new_row = browser.find_element(By.CSS_SELECTOR, f'tr.batch[data-batch="{new_id}"]')
    assert "2 of 2 (complete)" in new_row.text and "rescan 1" in new_row.text

    # the batch view: same items as the report, pictures served from the store, filtering works
    row = browser.find_element(By.CSS_SELECTOR, f'tr.batch[data-batch="{batch_id}"]')
    row.find_element(By.TAG_NAME, "a").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "rescan"))
    assert len(browser.find_element(By.ID, "rescan").find_elements(By.TAG_NAME, "li")) == 3
    assert browser.find_element(By.CSS_SELECTOR, ".item img").get_attribute("loading") == "lazy"
    browser.execute_script("document.querySelectorAll('.item img').forEach(function(i){i.loading='eager'})")
    WebDriverWait(browser, 10).until(lambda d: _broken_images(d) == 0)
    sources = [i.get_attribute("src") or "" for i in browser.find_elements(By.CSS_SELECTOR, ".item img")]
    assert len(sources) >= 12 and all(s.startswith(f"{base}/batches/{batch_id}/items/") for s in sources)
    browser.find_element(By.CSS_SELECTOR, '.filters button[data-verdict="rescan"]').click()
    assert _visible_items(browser) == ["rescan"] * 3
    timing = browser.execute_script(
        "var n=performance.getEntriesByType('navigation')[0];return n.loadEventEnd-n.startTime")
    assert timing > 0

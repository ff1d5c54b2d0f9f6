"""The leaderboard page opened in headless Chromium: tables render, sorting works, markup shows as text.

Needs Debian's ``chromium`` and ``chromium-driver`` packages; the test is
skipped when either binary is missing. A screenshot is saved to
``test-artifacts/leaderboard.png``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.leaderboard.build import write_leaderboard
from harness.results.io import load_run, save_run

REPOSITORY = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "results"
ARTIFACTS = REPOSITORY / "test-artifacts"
MARKUP_NAME = "<b>x</b><script>window.injected = 1;</script>"

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver packages (apt-get install chromium chromium-driver)",
)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a leaderboard of every fixture plus a run whose model name contains HTML markup."""
    folder = tmp_path_factory.mktemp("board")
    markup_run = folder / "runs" / "markup"
    shutil.copytree(FIXTURES / "wmt22" / "NiuTrans", markup_run)
    results = load_run(markup_run)
    results.model.name = MARKUP_NAME
    save_run(markup_run / "results.json", results)

    write_leaderboard([FIXTURES, folder / "runs"], folder / "out", command="harness leaderboard results --out leaderboard")
    return folder / "out" / "index.html"


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield browser
    browser.quit()


def column_texts(table, index: int) -> list[str]:
    from selenium.webdriver.common.by import By

    return [row.find_elements(By.TAG_NAME, "td")[index].text for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]


def header(table, text: str):
    from selenium.webdriver.common.by import By

    matches = [cell for cell in table.find_elements(By.CSS_SELECTOR, "thead th") if cell.text.startswith(text)]
    assert len(matches) == 1, [cell.text for cell in table.find_elements(By.CSS_SELECTOR, "thead th")]
    return matches[0]


def wmt22_table(driver):
    from selenium.webdriver.common.by import By

    tables = [
        table
        for table in driver.find_elements(By.CSS_SELECTOR, "section[id^=task-] table.sortable")
        if "JDExploreAcademy" in table.text
    ]
    assert len(tables) == 1
    return tables[0]


def test_page_in_browser(driver, page: Path):
    from selenium.webdriver.common.by import By

    driver.get(page.as_uri())
    assert driver.title == "Leaderboard"

    # Tables render: the overview and one table per task definition.
    overview = driver.find_element(By.ID, "overview-table")
    assert len(overview.find_elements(By.CSS_SELECTOR, "tbody tr")) >= 5
    assert len(driver.find_elements(By.CSS_SELECTOR, "section[id^=task-] table.sortable")) == 4
    table = wmt22_table(driver)
    bleu = load_run(FIXTURES / "wmt22" / "JDExploreAcademy").tasks["wmt22_zh_en"].metrics["bleu"]
    low, high = bleu.confidence_intervals["bleu"]
    expected = f"{bleu.scores['bleu']:.2f} [{low:.2f}, {high:.2f}]"
    assert expected in column_texts(table, 4)

    # Markup in a results value shows as text and runs nothing.
    models = column_texts(table, 1)
    assert MARKUP_NAME in models
    assert driver.find_elements(By.CSS_SELECTOR, "td b") == []
    assert driver.execute_script("return window.injected === undefined")

    # Clicking a header sorts by that column, numerically for scores.
    bleu_header = header(table, "bleu")
    bleu_header.click()
    values = [float(text.split()[0]) for text in column_texts(table, 4)]
    assert values == sorted(values)
    assert bleu_header.get_attribute("aria-sort") == "ascending"
    bleu_header.click()
    values = [float(text.split()[0]) for text in column_texts(table, 4)]
    assert values == sorted(values, reverse=True)
    assert bleu_header.get_attribute("aria-sort") == "descending"

    model_header = header(table, "Model")
    model_header.click()
    models = column_texts(table, 1)
    assert models == sorted(models, key=str.lower) or models == sorted(models)
    assert models[0] == MARKUP_NAME

    # The task with speed figures has a scatter plot with one point per trained model.
    circles = driver.find_elements(By.CSS_SELECTOR, "svg.scatter circle")
    assert len(circles) == 2
    assert len(driver.find_elements(By.CSS_SELECTOR, "p.no-plot")) == 3

    labels = [label.text for label in driver.find_elements(By.CSS_SELECTOR, "svg.scatter text")]
    assert "tiny-marian-batch1" in labels
    assert "tiny-marian-batch8" in labels

    driver.execute_script("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "leaderboard.png"
    assert driver.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000

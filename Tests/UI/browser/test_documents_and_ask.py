"""Sign in, upload, watch the stages, ask, open a citation: the PDF page drawn by pdf.js with the
cited lines' boxes where the citation says they are."""
import json
import os
import pathlib
import time
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from conftest import ROOT, console_errors, screenshot, sign_in, wait

PDF = ROOT / "corpora" / "pdf" / "multicolumn.pdf"
SCANNED = ROOT / "corpora" / "pdf" / "c02-22.pdf"
HTML = ROOT / "corpora" / "html" / "python-tutorial-appendix.html"


def row_status(driver, name):
    rows = driver.find_elements(By.CSS_SELECTOR, f'.uploads li[data-upload="{name}"] .state')
    return rows[0].text if rows else None


def upload(driver, path):
    driver.find_element(By.ID, "file-picker").send_keys(str(path))


def test_upload_pdf_ask_and_open_the_citation_at_its_boxes(server, browser):
    token = server.token(subject="ui-reader")
    sign_in(browser, server, token)
    assert "Documents" in browser.find_element(By.ID, "documents-title").text
    upload(browser, PDF)
    wait(browser, 180).until(lambda driver: row_status(driver, PDF.name) == "indexed")
    row = browser.find_element(By.CSS_SELECTOR, "table.documents tbody tr")
    assert "indexed" in row.text and "3" in row.text  # three pages
    screenshot(browser, "documents")

    question = "What is the capital of Denmark?"
    browser.find_element(By.LINK_TEXT, "Ask").click()
    box = wait(browser).until(EC.element_to_be_clickable((By.ID, "query")))
    box.send_keys(question)
    box.send_keys(Keys.ENTER)
    first = wait(browser, 60).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "button.citation[data-citation='1']")))
    wait(browser).until(lambda driver: "in all" in driver.find_element(By.CSS_SELECTOR, ".timings summary").text)
    answer = browser.find_element(By.CSS_SELECTOR, ".answer p").text
    assert answer.strip(), "the streamed answer is empty"

    # The same question through the API: the UI must draw exactly the boxes it returns.
    expected = server.api("POST", "/api/v1/rag/query", token, {"query": question, "top_k": 5})
    citation = expected["citations"][0]
    assert citation["boxes"], "the first citation has no boxes to draw"
    first.click()
    highlights = wait(browser, 60).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, ".pdf-page .highlight"))
    page = browser.find_element(By.CSS_SELECTOR, ".pdf-page")
    assert int(page.get_attribute("data-page")) == citation["page"]
    scale = float(page.get_attribute("data-scale"))
    on_page = [b for b in citation["boxes"] if b["page"] == citation["page"]]
    assert len(highlights) == len(on_page)
    canvas = page.find_element(By.TAG_NAME, "canvas")
    for highlight, expected_box in zip(highlights, on_page):
        assert json.loads(highlight.get_attribute("data-box")) == expected_box
        # Where the browser laid it out, relative to the drawn page, in CSS pixels.
        left, top, width, height = browser.execute_script(
            "const a = arguments[0].getBoundingClientRect(), c = arguments[1].getBoundingClientRect();"
            "return [a.left - c.left, a.top - c.top, a.width, a.height];", highlight, canvas)
        assert abs(left - expected_box["x0"] * scale) < 1.5
        assert abs(top - expected_box["y0"] * scale) < 1.5
        assert abs(width - (expected_box["x1"] - expected_box["x0"]) * scale) < 1.5
        assert abs(height - (expected_box["y1"] - expected_box["y0"]) * scale) < 1.5
    # The boxes lie on the page's text: pdf.js drew dark pixels inside the first one.
    inked = browser.execute_script(
        "const [canvas, box, scale] = arguments; const ratio = canvas.width / canvas.getBoundingClientRect().width;"
        "const data = canvas.getContext('2d').getImageData(box.x0 * scale * ratio, box.y0 * scale * ratio,"
        "  Math.max(1, (box.x1 - box.x0) * scale * ratio), Math.max(1, (box.y1 - box.y0) * scale * ratio)).data;"
        "let dark = 0; for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] < 300) dark++;"
        "return dark / (data.length / 4);", canvas, on_page[0], scale)
    assert inked > 0.02, f"the cited box covers no text ({inked:.3f} of its pixels are dark)"
    time.sleep(0.5)  # the smooth scroll to the highlight
    screenshot(browser, "ask-citation")
    assert console_errors(browser) == []


def test_html_citation_marks_the_passage_in_the_extracted_text(server, browser):
    token = server.token(tenant="html-tenant")
    sign_in(browser, server, token)
    upload(browser, HTML)
    wait(browser, 120).until(lambda driver: row_status(driver, HTML.name) == "indexed")
    browser.find_element(By.LINK_TEXT, "Ask").click()
    box = wait(browser).until(EC.element_to_be_clickable((By.ID, "query")))
    box.send_keys("How do I make a Python script executable on Unix?")
    box.send_keys(Keys.ENTER)
    wait(browser, 60).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "button.citation[data-citation='1']"))).click()
    mark = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".passage mark")))
    snippet = browser.find_element(By.CSS_SELECTOR, "button.citation[data-citation='1'] .snippet").text
    words = [word for word in snippet.replace("…", " ").split() if word]
    assert len(words) > 4 and " ".join(words[1:4]) in " ".join(mark.text.split())
    assert console_errors(browser) == []


def test_stages_and_failures_are_shown_per_file(server, browser):
    sign_in(browser, server, server.token(tenant="failures"))
    big = pathlib.Path(server.data) / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))
    unsupported = pathlib.Path(server.data) / "slides.bin"
    unsupported.write_bytes(bytes(range(256)) * 64)
    upload(browser, big)
    upload(browser, unsupported)
    upload(browser, SCANNED)
    wait(browser, 60).until(lambda driver: row_status(driver, big.name) == "upload failed")
    reason = browser.find_element(By.CSS_SELECTOR, f'.uploads li[data-upload="{big.name}"] .reason').text
    assert "limited to 1 MB" in reason and "max_upload_mb" in reason
    wait(browser, 60).until(lambda driver: row_status(driver, unsupported.name) in ("upload failed", "failed"))
    assert browser.find_element(By.CSS_SELECTOR, f'.uploads li[data-upload="{unsupported.name}"] .reason').text.strip()
    wait(browser, 120).until(lambda driver: row_status(driver, SCANNED.name) == "needs OCR")
    assert "OCR" in browser.find_element(By.CSS_SELECTOR, f'.uploads li[data-upload="{SCANNED.name}"] .reason').text
    # The status filter shows the scanned document alone.
    from selenium.webdriver.support.ui import Select
    Select(browser.find_element(By.CSS_SELECTOR, "select[aria-label='Filter documents by status']")).select_by_value("needs_ocr")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.documents tbody tr")
    assert len(rows) == 1 and SCANNED.name in rows[0].text
    screenshot(browser, "documents-failures")
    # Delete it (confirmed), and it is gone from the list and the API.
    rows[0].find_element(By.CSS_SELECTOR, "button.danger").click()
    browser.switch_to.alert.accept()
    wait(browser).until(lambda driver: not driver.find_elements(By.CSS_SELECTOR, "table.documents tbody tr"))


def test_files_dropped_on_the_page_are_uploaded(server, browser):
    sign_in(browser, server, server.token(tenant="drops"))
    zone = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".dropzone")))
    # What a drop from the desktop delivers: a DataTransfer holding the files.
    browser.execute_script("""
        const transfer = new DataTransfer();
        transfer.items.add(new File(["High water comes twice a day at the harbour."], "tides.txt", {type: "text/plain"}));
        transfer.items.add(new File(["<html><body><h1>Ebb</h1><p>Low water follows.</p></body></html>"], "ebb.html", {type: "text/html"}));
        for (const type of ["dragover", "drop"]) arguments[0].dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true, cancelable: true}));
    """, zone)
    wait(browser, 120).until(lambda driver: row_status(driver, "tides.txt") == "indexed" and row_status(driver, "ebb.html") == "indexed")
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.documents tbody tr")) == 2

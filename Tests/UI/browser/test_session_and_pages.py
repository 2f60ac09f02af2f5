"""Signing in and out, every page without console errors, keyboard use, and how the UI is served."""
import gzip
import re
import time
import urllib.request

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from conftest import console_errors, screenshot, sign_in, wait

PAGES = [("Documents", "documents-title"), ("Ask", "ask-title"), ("Index jobs", "jobs-title"), ("Workflows", "workflows-title"),
         ("Settings", "settings-title")]


def test_a_bad_token_is_refused_with_the_reason_and_kept_nowhere(server, browser):
    browser.get(server.url + "/")
    field = wait(browser).until(EC.element_to_be_clickable((By.ID, "token")))
    screenshot(browser, "sign-in")
    field.send_keys("not.a.token")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".signin .error")))
    assert error.text.strip()
    assert browser.execute_script("return sessionStorage.getItem('quarry.token')") is None
    assert "token" not in browser.current_url


def test_an_expired_token_returns_to_sign_in_with_the_reason(server, browser):
    sign_in(browser, server, server.token(ttl=10))
    assert "token" not in browser.current_url and "eyJ" not in browser.current_url
    # The documents page polls; once the token expires the next call is a 401.
    notice = wait(browser, 40).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".signin .notice")))
    assert "Signed out" in notice.text and "expired" in notice.text.lower()
    assert browser.execute_script("return sessionStorage.getItem('quarry.token')") is None


def test_a_reload_keeps_the_session_of_this_tab(server, browser):
    sign_in(browser, server, server.token(subject="reloader"))
    browser.refresh()
    who = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".who")))
    assert "reloader" in who.text
    browser.find_element(By.CSS_SELECTOR, ".who button").click()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "token")))
    assert browser.execute_script("return sessionStorage.getItem('quarry.token')") is None


def test_every_page_loads_without_console_errors(server, browser):
    sign_in(browser, server, server.token(tenant="walk"))
    for label, heading in PAGES:
        browser.find_element(By.LINK_TEXT, label).click()
        wait(browser).until(EC.visibility_of_element_located((By.ID, heading)))
        time.sleep(0.5)
    assert console_errors(browser) == []


def test_the_main_actions_work_from_the_keyboard(server, browser):
    token = server.token(tenant="keyboard")
    browser.get(server.url + "/")
    wait(browser).until(EC.element_to_be_clickable((By.ID, "token")))
    # The token field has the focus on arrival; Tab reaches the button; Enter signs in.
    ActionChains(browser).send_keys(token).send_keys(Keys.TAB).send_keys(Keys.ENTER).perform()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "nav.sidebar")))
    # Tab through the navigation to Ask and open it with Enter.
    for _ in range(10):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.switch_to.active_element.text == "Ask":
            break
    assert browser.switch_to.active_element.text == "Ask"
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "ask-title")))
    assert browser.execute_script("return location.hash") == "#/ask"
    query = browser.find_element(By.ID, "query")
    query.click()
    ActionChains(browser).send_keys("anything at all").send_keys(Keys.ENTER).perform()
    # An empty tenant: the answer says so in words.
    empty = wait(browser, 30).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".result .empty")))
    assert "Upload or index" in empty.text


def test_a_viewer_sees_no_upload_or_delete(server, browser):
    sign_in(browser, server, server.token(role="viewer", tenant="viewers"))
    wait(browser).until(EC.visibility_of_element_located((By.ID, "documents-title")))
    assert browser.find_elements(By.ID, "file-picker") == []
    browser.find_element(By.LINK_TEXT, "Index jobs").click()
    wait(browser).until(EC.visibility_of_element_located((By.ID, "jobs-title")))
    assert browser.find_elements(By.ID, "job-urls") == []


def test_an_index_job_runs_to_its_end_and_a_refused_one_says_why(server, browser):
    sign_in(browser, server, server.token(tenant="jobs"))
    browser.find_element(By.LINK_TEXT, "Index jobs").click()
    field = wait(browser).until(EC.element_to_be_clickable((By.ID, "job-paths")))
    field.send_keys("/etc/passwd")
    browser.find_element(By.CSS_SELECTOR, ".job-form button[type=submit]").click()
    banner = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".error.banner")))
    assert "outside the folder this server indexes from (index_root)" in banner.text and "/paths/0" in banner.text
    banner.find_element(By.TAG_NAME, "button").click()
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("pdf/\nhtml/")
    browser.find_element(By.CSS_SELECTOR, ".job-form button[type=submit]").click()
    job = wait(browser, 180).until(lambda d: next((card for card in d.find_elements(By.CSS_SELECTOR, "li[data-job]")
                                                  if "completed" in card.find_element(By.CSS_SELECTOR, ".badge").text), None))
    facts = job.find_element(By.CSS_SELECTOR, ".job-facts").text
    assert "4 of 4 items done" in facts  # three PDFs and one HTML page
    assert "failed" in facts  # the encrypted PDF cannot be read
    bar = job.find_element(By.CSS_SELECTOR, ".stacked").get_attribute("aria-label")
    assert "indexed" in bar and "needs_ocr" in bar
    job.find_element(By.XPATH, ".//button[text()='Show failures']").click()
    wait(browser).until(lambda d: job.find_elements(By.CSS_SELECTOR, ".failures li"))
    failures = " ".join(item.text for item in job.find_elements(By.CSS_SELECTOR, ".failures li"))
    assert "libreoffice-writer-password.pdf" in failures and "c02-22.pdf: no page has a text layer" in failures
    screenshot(browser, "index-jobs")


def test_the_ui_is_served_with_a_strict_policy_hashed_names_and_long_caching(server):
    with urllib.request.urlopen(server.url + "/") as response:
        page = response.read().decode()
        policy = response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assets = re.findall(r'(/assets/[\w.-]+-[0-9a-f]{12}\.(?:js|css|svg))', page)
    assert len(assets) >= 5, assets  # app.js, app.css, pdf.js, its worker, the icon
    script = next(asset for asset in assets if asset.startswith("/assets/app-") and asset.endswith(".js"))
    request = urllib.request.Request(server.url + script, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as response:
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["Content-Encoding"] == "gzip"
        assert response.headers["Content-Type"].startswith("text/javascript")
        body = gzip.decompress(response.read())
    with urllib.request.urlopen(server.url + script) as plain:
        assert plain.headers.get("Content-Encoding") is None
        assert plain.read() == body
    try:
        urllib.request.urlopen(server.url + "/assets/app-000000000000.js")
        raise AssertionError("a missing asset was served")
    except urllib.error.HTTPError as error:
        assert error.code == 404


def test_settings_keep_secrets_write_only_and_mint_a_token(server, browser):
    sign_in(browser, server, server.token(tenant="settings"))
    browser.find_element(By.LINK_TEXT, "Settings").click()
    kind = wait(browser).until(EC.element_to_be_clickable((By.ID, "credential-type")))
    from selenium.webdriver.support.ui import Select
    Select(kind).select_by_value("slack")
    browser.find_element(By.ID, "credential-name").send_keys("Support bot")
    secret = "xoxb-1234-ui-test-secret"
    field = browser.find_element(By.ID, "credential-bot_token")
    assert field.get_attribute("type") == "password"
    # A webhook that is not a URL: the server's message shows on that field.
    browser.find_element(By.ID, "credential-webhook_url").send_keys("not a url")
    browser.find_element(By.CSS_SELECTOR, ".credential-form button[type=submit]").click()
    refusal = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".credential-form .field-error")))
    assert refusal.text.strip()
    webhook = browser.find_element(By.ID, "credential-webhook_url")
    webhook.send_keys(Keys.CONTROL, "a")
    webhook.send_keys(Keys.DELETE)  # as a person would: clear() bypasses the page's own handlers
    field.send_keys(secret)
    browser.find_element(By.CSS_SELECTOR, ".credential-form button[type=submit]").click()
    row = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "tr[data-credential]")))
    assert "Support bot" in row.text and "bot_token: •••• (write-only)" in row.text
    assert secret not in browser.page_source
    # An admin makes a viewer's token, shown once; it works.
    browser.find_element(By.ID, "token-sub").send_keys("dashboard")
    Select(browser.find_element(By.ID, "token-role")).select_by_value("viewer")
    browser.find_element(By.XPATH, "//button[text()='Make a token']").click()
    minted = wait(browser).until(EC.visibility_of_element_located((By.ID, "minted-token"))).get_attribute("value")
    me = server.api("GET", "/api/v1/me", minted)
    assert me == {"sub": "dashboard", "tenant": "settings", "roles": ["viewer"]}
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "settings")
    # The refused credential's 422 is the one line the console may hold.
    assert [entry for entry in console_errors(browser) if "status of 422" not in entry["message"]] == []


def test_sign_in_with_an_api_key_made_in_settings_until_it_is_revoked(server, browser):
    admin = server.token(tenant="keys-ui", subject="owner")
    sign_in(browser, server, admin)
    browser.find_element(By.LINK_TEXT, "Settings").click()
    wait(browser).until(EC.element_to_be_clickable((By.ID, "key-name"))).send_keys("reader")
    browser.find_element(By.XPATH, "//button[text()='Make an API key']").click()
    key = wait(browser).until(EC.visibility_of_element_located((By.ID, "made-key"))).get_attribute("value")
    assert key.startswith("qk_")
    browser.find_element(By.CSS_SELECTOR, ".who button").click()

    def sign_in_with_key():
        wait(browser).until(EC.element_to_be_clickable((By.XPATH, "//label[contains(., 'an API key')]"))).click()
        field = browser.find_element(By.ID, "token")
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(Keys.DELETE)
        field.send_keys(key)
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    sign_in_with_key()
    who = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".who"))).text
    assert "tenant keys-ui" in who and "viewer" in who and "api-key:" in who
    assert key not in browser.execute_script("return JSON.stringify(sessionStorage)"), "the key is exchanged, never kept"
    assert browser.find_elements(By.ID, "file-picker") == [], "a viewer's key uploads nothing"

    server.api("DELETE", f"/api/v1/api-keys/{key.split('_')[1]}", admin)
    browser.find_element(By.CSS_SELECTOR, ".who button").click()
    sign_in_with_key()
    refused = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".signin .error")))
    assert "unknown, expired or revoked API key" in refused.text


def test_signing_out_and_in_as_another_tenant_in_the_same_tab_shows_nothing_of_the_first(server, browser):
    alpha, beta = server.token(tenant="ui-alpha", role="admin"), server.token(tenant="ui-beta", role="admin")
    server.api("POST", "/api/v1/workflows", alpha, {"id": "alpha-ledger", "name": "alpha's ledger flow",
                                                    "nodes": [{"id": "start", "type": "trigger", "config": {}}], "edges": []})
    server.api("POST", "/api/v1/credentials", alpha, {"type": "notion", "name": "alpha's wiki", "fields": {"token": "ntn_ui_alpha"}})
    sign_in(browser, server, alpha)
    browser.find_element(By.LINK_TEXT, "Workflows").click()
    wait(browser).until(EC.visibility_of_element_located((By.XPATH, "//*[contains(text(), \"alpha's ledger flow\")]")))
    browser.find_element(By.CSS_SELECTOR, ".who button").click()
    wait(browser).until(EC.element_to_be_clickable((By.ID, "token")))

    # Beta in the same tab: its own lists, and alpha's workflow by its address is not found.
    field = browser.find_element(By.ID, "token")
    field.send_keys(beta)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser).until(EC.presence_of_element_located((By.CSS_SELECTOR, "nav.sidebar")))
    assert browser.execute_script("return sessionStorage.getItem('quarry.token')") == beta
    for label, heading in [("Workflows", "workflows-title"), ("Settings", "settings-title")]:
        browser.find_element(By.LINK_TEXT, label).click()
        wait(browser).until(EC.visibility_of_element_located((By.ID, heading)))
        time.sleep(1)  # the lists have loaded
        assert "alpha" not in browser.find_element(By.TAG_NAME, "main").text, label
    browser.get(server.url + "/#/workflows/alpha-ledger")
    banner = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".builder-loading .error")))
    assert "alpha-ledger" in banner.text and "alpha's ledger flow" not in browser.page_source

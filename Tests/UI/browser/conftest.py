"""A real `quarry serve` (the release binary, embedded back ends, the built UI) and headless Chromium
driven through Debian's chromedriver, shared by the browser tests of one run."""
import json
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "Docs" / "ui"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """One `quarry serve` on a free port with its own data directory, and tokens minted for it."""

    def __init__(self, binary, extra_env=None):
        self.binary = binary
        self.data = tempfile.mkdtemp(prefix="quarry-ui-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Quarry refuses QUARRY_ variables it does not know (the test scripts' own among them).
        inherited = {name: value for name, value in os.environ.items() if not name.startswith("QUARRY_") or name == "QUARRY_KERNELS"}
        self.env = {**inherited, "QUARRY_DATA": self.data, "QUARRY_PORT": str(self.port), **(extra_env or {})}
        self.log = open(os.path.join(self.data, "serve.log"), "wb")
        self.process = subprocess.Popen([binary, "serve"], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"quarry serve exited: {self.server_log()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1):
                    return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        raise RuntimeError(f"quarry serve did not answer /health within 60 s: {self.server_log()}")

    def server_log(self):
        self.log.flush()
        return pathlib.Path(self.data, "serve.log").read_text(errors="replace")[-4000:]

    def token(self, role="admin", tenant="default", ttl=3600, subject=None):
        command = [self.binary, "token", "create", "--tenant", tenant, "--role", role, "--ttl", str(ttl)]
        if subject:
            command += ["--subject", subject]
        return subprocess.run(command, env=self.env, check=True, capture_output=True, text=True).stdout.strip()

    def api(self, method, path, token, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)


@pytest.fixture(scope="session")
def binary():
    path = os.environ.get("QUARRY_BINARY") or str(ROOT / ".build" / "release" / "quarry")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"no quarry binary at {path}: build it (swift build -c release) or set QUARRY_BINARY")
    return path


@pytest.fixture(scope="session")
def server(binary):
    # 1 MB uploads at most, so that the too-large test needs no large file; index jobs may read corpora/.
    running = Server(binary, {"QUARRY_UI_DIR": os.environ.get("QUARRY_UI_DIR", str(ROOT / ".build" / "ui")), "QUARRY_MAX_UPLOAD_MB": "1",
                              "QUARRY_INDEX_ROOT": str(ROOT / "corpora"), "QUARRY_EVAL_DIR": tempfile.mkdtemp(prefix="quarry-eval-")})
    yield running
    running.stop()


def make_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,900", "--disable-gpu",
                     "--force-device-scale-factor=1", "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


@pytest.fixture
def browser():
    driver = make_browser()
    yield driver
    driver.quit()


def console_errors(driver):
    """What the page logged at error level since the last call (network failures included)."""
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def wait(driver, seconds=30):
    return WebDriverWait(driver, seconds)


def sign_in(driver, server, token):
    driver.get(server.url + "/")
    field = wait(driver).until(EC.element_to_be_clickable((By.ID, "token")))
    field.send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, "nav.sidebar")))


def screenshot(driver, name):
    """The page as a user sees it, for Docs/ui/ (linked from the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))

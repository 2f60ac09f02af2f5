"""The eval page: runs of `quarry eval` written into the server's eval_dir, their metrics, the plot,
and one run's queries, worst first."""
import json
import pathlib
import subprocess
import tempfile

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from conftest import console_errors, screenshot, sign_in, wait

TOPICS = [("Photosynthesis", "Plants convert sunlight, water and carbon dioxide into glucose and oxygen."),
          ("Volcanoes", "Magma rises through the crust and erupts as lava, ash and gases from a vent."),
          ("Tides", "The pull of the moon and the sun raises and lowers the sea twice a day."),
          ("Chess", "Two players move kings, queens, rooks, bishops, knights and pawns to checkmate.")]
# q4 shares no word with its passage: dense retrieval finds it, BM25 cannot.
QUERIES = [("q1", "how do plants make glucose", "d0"), ("q2", "lava from a volcano", "d1"), ("q3", "why does the sea rise and fall", "d2"),
           ("q4", "a board game of strategy", "d3")]


def dataset():
    root = pathlib.Path(tempfile.mkdtemp(prefix="beir-")) / "mini"
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("\n".join(json.dumps({"_id": f"d{i}", "title": t, "text": x}) for i, (t, x) in enumerate(TOPICS)))
    (root / "queries.jsonl").write_text("\n".join(json.dumps({"_id": q, "text": text}) for q, text, _ in QUERIES))
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "\n".join(f"{q}\t{d}\t1" for q, _, d in QUERIES))
    return root


def test_eval_runs_their_plot_and_a_run_s_queries(server, browser):
    out = server.env["QUARRY_EVAL_DIR"]
    for mode in ("sparse", "dense"):
        subprocess.run([server.binary, "eval", "--dataset", str(dataset()), "--mode", mode, "--output", out],
                       env=server.env, check=True, capture_output=True, timeout=300)
    sign_in(browser, server, server.token(tenant="evals"))
    browser.find_element(By.LINK_TEXT, "Eval").click()
    rows = wait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr[data-eval-run]"))
    assert [row.get_attribute("data-eval-run") for row in rows] == ["mini-dense", "mini-sparse"]  # newest first
    assert len(browser.find_elements(By.CSS_SELECTOR, "circle[data-point]")) == 2
    assert {line.get_attribute("data-series") for line in browser.find_elements(By.CSS_SELECTOR, "g[data-series]")} == {"mini · dense", "mini · sparse"}
    rows[1].find_element(By.TAG_NAME, "button").click()  # sparse: q4 is its miss
    queries = wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr[data-eval-query]"))
    assert sorted(row.get_attribute("data-eval-query") for row in queries) == ["q1", "q2", "q3", "q4"]
    scores = [float(row.find_elements(By.TAG_NAME, "td")[1].text) for row in queries]
    assert scores == sorted(scores), "worst first"
    assert queries[0].get_attribute("data-eval-query") == "q4" and scores[0] == 0
    queries[0].find_element(By.TAG_NAME, "button").click()
    missed = wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".ranked .reason")))
    assert "d3" in missed.text
    screenshot(browser, "eval")
    assert console_errors(browser) == []


def test_eval_is_for_admins(server, browser):
    sign_in(browser, server, server.token(tenant="evals", role="editor"))
    browser.find_element(By.LINK_TEXT, "Eval").click()
    assert "shown to admins" in wait(browser).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".notice"))).text

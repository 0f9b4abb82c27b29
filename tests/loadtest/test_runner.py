"""The load test's helpers without a server: reading forms as a browser sends them, the report's figures, and the
runner's refusals (it drops a database and empties a Redis database, so it must never point elsewhere)."""

from __future__ import annotations

import json

import pytest

from loadtest import report, run
from loadtest.pages import Page

FORM = """
<form method="post" action="/sandbox/1/roles/new/">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok">
  <input name="name" value="">
  <input type="checkbox" name="tick" value="yes">
  <input type="radio" name="confidence" value="sure"><input type="radio" name="confidence" value="guess" checked>
  <select name="account"><option value="111">mine</option><option value="222">partner</option></select>
  <select name="kind"><option value="a">A</option><option value="b" selected>B</option></select>
  <textarea name="document">
{"Version": "2012-10-17"}</textarea>
  <button name="insert" value="mfa">Insert</button>
  <input type="submit" value="Create">
</form>
<form><input name="q"></form>
<a href="/lessons/">Lessons</a><a href="https://elsewhere.example/x/">away</a>
<link rel="stylesheet" href="/static/css/site.css"><script src="/static/vendor/htmx.js" defer></script>
"""


def test_a_form_sends_what_a_browser_would():
    form = Page("http://127.0.0.1:8765/sandbox/1/roles/new/", 200, FORM).form("/roles/new/")
    assert form.fields == {
        "csrfmiddlewaretoken": "tok",
        "name": "",
        "confidence": "guess",
        "account": "111",
        "kind": "b",
        "document": '{"Version": "2012-10-17"}',
    }
    assert form.options == {
        "tick": ["yes"],
        "confidence": ["sure", "guess"],
        "account": ["111", "222"],
        "kind": ["a", "b"],
    }
    assert form.buttons == {"insert": "mfa"}
    assert form.data(name="R", tick=None, account="222")["account"] == "222"


def test_a_page_finds_forms_links_and_assets_of_this_site_only():
    page = Page("http://127.0.0.1:8765/here/", 200, FORM)
    assert page.form(method="get").action == "/here/"  # no action: the page itself
    assert page.links() == ["/lessons/"]
    assert page.assets() == ["/static/css/site.css", "/static/vendor/htmx.js"]
    with pytest.raises(LookupError, match="no POST form posting to …/nowhere/"):
        page.form("/nowhere/")


def test_percentiles_are_nearest_rank():
    values = list(range(1, 101))
    assert report.percentile(values, 0.5) == 50
    assert report.percentile(values, 0.95) == 95
    assert report.percentile([], 0.95) == 0


def test_the_report_reads_locust_csv_and_judges_every_page(tmp_path):
    header = "Type,Name,Request Count,Failure Count,Requests/s,50%,95%,99%\n"
    rows = "GET,/a/,10,0,1.5,20,40,60\nPOST,/b/,5,1,0.5,100,400,900\n,Aggregated,15,1,2.0,30,300,800\n"
    (tmp_path / "stats.csv").write_text(header + rows)
    pages, total = report.read_locust_csv(tmp_path / "stats.csv")
    assert [(p.method, p.name, p.p95) for p in pages] == [("GET", "/a/", 40), ("POST", "/b/", 400)]
    assert total.requests == 15
    problems = report.verdict(pages, 300)
    assert problems == ["1 failed requests", "p95 over 300 ms: POST /b/ (400 ms)"]
    assert report.verdict(pages[:1], 300) == []
    # The log-in's time is its password hash's (0.3 s of CPU by design): reported, but its errors only count.
    login = report.PageStats("POST", "/accounts/login/", 5, 0, 0.5, 350, 900, 1200)
    assert report.verdict([login], 300) == []


def test_phase_figures_come_from_the_samples(tmp_path):
    samples = {
        "times": {"start": 0, "class_in": 10, "end": 30},
        "phases": {"in class": {"GET /a/": [[10, 0], [30, 0], [20, 1]]}},
    }
    (tmp_path / "samples.json").write_text(json.dumps(samples))
    [row] = report.phase_stats(report.read_samples(tmp_path / "samples.json"), "in class")
    assert (row.requests, row.failures, row.rps, row.p50, row.p99) == (3, 1, 0.15, 20, 30)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--postgres", "postgres://postgres@10.0.0.5:5432"], "not on this machine"),
        (["--redis", "redis://cache.internal:6379/14"], "not on this machine"),
        (["--redis", "redis://10.1.2.3:6379/14"], "not on this machine"),
        (["--redis", "redis://127.0.0.1:6379"], "database number"),
        (["--database", "iamtutor"], "contain 'load'"),
        (["--database", "x_load; DROP"], "contain 'load'"),
        (["--users", "0"], "must be positive"),
    ],
)
def test_the_runner_refuses_anything_but_throwaway_loopback_servers(argv, message, capsys):
    with pytest.raises(SystemExit):
        run.parse_options(argv)
    assert message in capsys.readouterr().err


def test_the_runner_defaults_to_a_class_of_300_for_five_minutes(monkeypatch):
    for name in ("LOAD_USERS", "LOAD_TIME", "LOAD_WORKERS", "LOAD_STRICT"):
        monkeypatch.delenv(name, raising=False)
    options = run.parse_options([])
    assert (options.users, options.time, options.workers, options.strict) == (300, "5m", 2, False)
    monkeypatch.setenv("LOAD_STRICT", "maybe")
    with pytest.raises(SystemExit, match="LOAD_STRICT must be true or false"):
        run.parse_options([])


def test_worker_times_group_the_access_log_by_page(tmp_path):
    log = tmp_path / "access.log"
    sandbox = "/sandbox/61ed9cb2-b5b4-496d-b045-8ee418534bb3"
    log.write_text(
        f"POST {sandbox}/roles/111111111111/ClassRole3-ab12/trust/ 302 41000\n"
        f"GET {sandbox}/roles/111111111111/ClassRole3-ab12/ 200 20000\n"
        "GET /lessons/quiz/question/q2-role-vs-user/ 405 900\n"
        "GET /lessons/quiz/step-2-role/ 200 15000\n"
        "a line gunicorn wrote for something else\n"
    )
    assert report.worker_times(log) == {
        "POST /sandbox/[id]/roles/[account]/[role]/trust/": [41.0],
        "GET /sandbox/[id]/roles/[account]/[role]/": [20.0],
        "GET /lessons/quiz/question/[key]/": [0.9],
        "GET /lessons/quiz/[lesson]/": [15.0],
    }

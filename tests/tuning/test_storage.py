"""Storage: default location, resume after SIGKILL, and several workers sharing one study."""

from __future__ import annotations

import datetime
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
import uuid

import optuna
import pytest
from optuna.trial import TrialState

from dla_advisor.errors import UsageError
from dla_advisor.tuning import default_storage_url, open_storage, redact
from support import cli_argv as cli
from support import run_cli

POSTGRES_URL = os.environ.get("DLA_ADVISOR_TEST_POSTGRES_URL")


def test_default_storage_is_beside_the_model(seed_model):
    url = default_storage_url(seed_model)
    assert url == f"sqlite:///{seed_model.with_name('conv2d_1024.dla-tune.db')}"


def test_storage_errors_are_usage_errors(tmp_path):
    with pytest.raises(UsageError) as e:
        open_storage("not a url")
    assert e.value.hint.startswith("Use e.g. sqlite:///study.db")
    with pytest.raises(UsageError):
        open_storage("postgresql://u:secret@127.0.0.1:1/none")
    assert redact("postgresql://u:secret@host/db") == "postgresql://u:***@host/db"


@pytest.mark.parametrize("url", ["postgresql://:pw0rd@127.0.0.1:1/db", "postgresql://u:pw0rd@127.0.0.1:1/db",
                                 "postgresql://u@127.0.0.1:1/db?password=pw0rd", "mysql://u:pw0rd@127.0.0.1:1/db",
                                 "postgresql://u:p%40w0rd@127.0.0.1:1/db?sslpassword=pw0rd", "pw0rd://x:pw0rd@"])
def test_passwords_are_never_printed(seed_model, capsys, url):
    assert "pw0rd" not in redact(url).replace("pw0rd://", "")
    rc, _, err = run_cli(capsys, "tune", seed_model, "--storage", url, "--trials", "1")
    assert rc == 2 and len(err.strip().splitlines()) == 1
    assert "pw0rd" not in err.replace("pw0rd://", "") and "p@w0rd" not in err


@pytest.mark.parametrize("form, words", [
    ("sqlite:///", "names no database file"), ("sqlite://", "names no database file"),
    ("journal:", "names no file"), ("journal:{d}/missing/j.jsonl", "does not exist"),
    ("sqlite:///{d}/missing/s.db", "does not exist"), ("journal:{d}/fifo", "FIFO"), ("sqlite:///{d}", "folder"),
    ("sqlite:///{d}/foreign.db", "cannot open --storage"), ("sqlite:///{d}/junk.db", "not a database"),
    ("sqlite:///file:{d}/ro.db?mode=ro&uri=true", "readonly"), ("://", "cannot open --storage"),
])
def test_storage_edge_cases_are_one_line_usage_errors(seed_model, tmp_path, capsys, form, words):
    import sqlite3
    os.mkfifo(tmp_path / "fifo")
    con = sqlite3.connect(tmp_path / "foreign.db")
    con.execute("CREATE TABLE alembic_version (version_num INTEGER)")
    con.execute("INSERT INTO alembic_version VALUES (42)")
    con.commit()
    con.close()
    (tmp_path / "junk.db").write_bytes(b"SQLite format 3\0" + bytes(range(200)))
    sqlite3.connect(tmp_path / "ro.db").close()
    rc, _, err = run_cli(capsys, "tune", seed_model, "--storage", form.replace("{d}", str(tmp_path)), "--trials", "1")
    assert rc == 2 and len(err.strip().splitlines()) == 1 and words in err, err
    assert stat.S_ISFIFO(os.stat(tmp_path / "fifo").st_mode)


def test_journal_storage_works(tmp_path):
    storage = open_storage(f"journal:{tmp_path / 'study.jsonl'}")
    study = optuna.create_study(storage=storage, study_name="s")
    study.optimize(lambda t: t.suggest_int("x", 0, 3), n_trials=3)
    assert len(optuna.load_study(study_name="s", storage=open_storage(f"journal:{tmp_path / 'study.jsonl'}")).trials) == 3


_OPEN_AT = """
import sys, time
from dla_advisor.tuning import open_storage
while time.time() < float(sys.argv[2]):
    pass
open_storage(sys.argv[1])
"""


@pytest.mark.slow
def test_workers_opening_a_fresh_sqlite_file_at_once_all_succeed(tmp_path):
    # Workers of a farm start together: each creates the schema, and all but one lose the race on the
    # alembic_version row. Several rounds, because a single one is often won without a collision.
    for round_ in range(3):
        url = f"sqlite:///{tmp_path / f'fresh{round_}.db'}"
        start = time.time() + 3.0
        procs = [subprocess.Popen([sys.executable, "-c", _OPEN_AT, url, str(start)], stderr=subprocess.PIPE,
                                  text=True) for _ in range(4)]
        errors = [p.communicate(timeout=60)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * 4, "\n".join(e for e in errors if e)
    assert optuna.get_all_study_summaries(open_storage(url, heartbeat_s=None)) == []


def _tune(model, storage, trials, *extra):
    return cli("tune", str(model), "--backend", "trtexec", "--trials", str(trials), "--storage", storage,
               "--duration", "2", "--heartbeat", "1", "--no-reference", "--format", "json", *extra)


def _trials(url, name=None):
    storage = open_storage(url, heartbeat_s=None)
    summaries = optuna.get_all_study_summaries(storage)
    study = optuna.load_study(study_name=name or summaries[0].study_name, storage=storage)
    return study.get_trials(deepcopy=False)


@pytest.mark.slow
def test_sigkill_mid_trial_loses_no_completed_trial(seed_model, tmp_path, standin_env):
    # A trial seen RUNNING may finish (or be rejected) before the signal lands on a loaded machine:
    # try again with a fresh study until the kill hits a trial in flight.
    for attempt in range(4):
        if _kill_mid_trial_and_resume(seed_model, tmp_path / f"kill{attempt}.db", standin_env):
            return
    pytest.fail("the kill never landed on a running trial in 4 attempts")


def _kill_mid_trial_and_resume(seed_model, db, standin_env) -> bool:
    env = {**standin_env, "TRTEXEC_STANDIN_TIME_SCALE": "0.25"}  # a run lasts 0.5 s
    url = f"sqlite:///{db}"
    proc = subprocess.Popen(_tune(seed_model, url, 8, "--seed", "0"), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    done = {}
    while time.monotonic() < deadline:
        time.sleep(0.1)
        try:
            trials = _trials(url)
        except Exception:  # the study is not created yet
            continue
        if not trials:  # created, but its first trial not yet asked for
            continue
        done = {t.number: (t.params, t.values) for t in trials if t.state == TrialState.COMPLETE}
        last = trials[-1]
        # Kill a trial that has been running for a while: Optuna fails a stale trial by its heartbeat,
        # and one killed in the first milliseconds, before its first heartbeat, is never detected.
        if (len(done) >= 2 and last.state == TrialState.RUNNING and last.number not in done
                and (datetime.datetime.now() - last.datetime_start).total_seconds() > 0.2):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed = _trials(url)[-1].number
    assert len(done) >= 2
    if _trials(url)[-1].state != TrialState.RUNNING:
        return False
    time.sleep(2.5)  # past the 2-heartbeat grace period

    again = subprocess.run(_tune(seed_model, url, 8, "--seed", "0"), env=standin_env, capture_output=True, text=True,
                           timeout=120)
    assert again.returncode == 0, again.stderr
    trials = _trials(url)
    # The abandoned trial is marked FAIL and does not count toward --trials: 8 others ran.
    assert len(trials) == 9
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    for number, (params, values) in done.items():
        assert (trials[number].state, trials[number].params, trials[number].values) == (TrialState.COMPLETE, params, values)
    assert trials[killed].state == TrialState.FAIL and "error" not in trials[killed].user_attrs
    doc = json.loads(again.stdout)
    assert doc["trials"]["states"]["FAIL"] == 1 and doc["trials"]["this_run"] == 9 - (killed + 1)
    return True


def test_a_trial_killed_before_its_first_heartbeat_is_failed_on_resume_and_not_counted(seed_model, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'early.db'}"
    # A worker that died between starting a trial and its first heartbeat leaves a RUNNING trial with
    # no heartbeat row: ask() on a storage without heartbeats makes exactly that.
    study = optuna.create_study(storage=open_storage(url, heartbeat_s=None), study_name="early",
                                direction="maximize")
    orphan = study.ask().number
    # Started 10 s ago, far past the grace period of --heartbeat 1 (2 s): moved back in the file rather
    # than waited for, so neither the wait nor a slow machine decides the outcome.
    with sqlite3.connect(tmp_path / "early.db") as db:
        (start,), = db.execute("SELECT datetime_start FROM trials WHERE number = ?", (orphan,))
        earlier = datetime.datetime.fromisoformat(start) - datetime.timedelta(seconds=10)
        db.execute("UPDATE trials SET datetime_start = ? WHERE number = ?", (str(earlier), orphan))
    rc, _, _ = run_cli(capsys, "tune", seed_model, "--storage", url, "--study", "early", "--trials", "3",
                       "--heartbeat", "1", "--no-reference", "--format", "json", "-o", tmp_path / "r.json")
    assert rc == 0
    trials = _trials(url, "early")
    assert trials[orphan].state == TrialState.FAIL
    assert len([t for t in trials if t.number != orphan]) == 3
    assert all(t.state != TrialState.RUNNING for t in trials)
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["trials"]["this_run"] == 3


def _two_workers(model, url, standin_env, tmp_path, n, study):
    procs = [subprocess.Popen(_tune(model, url, n, "--study", study, "--engines-dir", str(tmp_path / "engines")),
                              env=standin_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    return [json.loads(out) for out, _ in outs]


def _check_shared_study(url, study, n, docs, calls_file):
    trials = _trials(url, study)
    numbers = [t.number for t in trials]
    assert numbers == list(range(len(trials)))  # none lost, none numbered twice
    assert n <= len(trials) <= n + 1  # each worker may overshoot by the trial it had in flight
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    assert sum(d["trials"]["this_run"] for d in docs) == len(trials)  # each trial run by exactly one worker
    workers = {t.user_attrs["worker"] for t in trials}
    assert len(workers) == 2
    # Every measured (not reused) trial ran each of its engines exactly once.
    runs = [json.loads(l) for l in calls_file.read_text().splitlines() if "--loadEngine" in l]
    measured = [t for t in trials if t.state == TrialState.COMPLETE and "reused_from" not in t.user_attrs]
    assert len(runs) == sum(len(t.user_attrs["result"]["engines"]) for t in measured)


@pytest.mark.slow
def test_two_workers_share_one_sqlite_study(seed_model, tmp_path, standin_env):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    docs = _two_workers(seed_model, url, standin_env, tmp_path, 10, "farm")
    _check_shared_study(url, "farm", 10, docs, tmp_path / "trtexec_calls.jsonl")


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="DLA_ADVISOR_TEST_POSTGRES_URL is not set (.ci/postgres.sh sets it up)")
def test_two_workers_share_one_postgres_study(seed_model, tmp_path, standin_env):
    study = f"farm-{uuid.uuid4().hex[:8]}"
    try:
        docs = _two_workers(seed_model, POSTGRES_URL, standin_env, tmp_path, 10, study)
        _check_shared_study(POSTGRES_URL, study, 10, docs, tmp_path / "trtexec_calls.jsonl")
    finally:
        optuna.delete_study(study_name=study, storage=open_storage(POSTGRES_URL, heartbeat_s=None))

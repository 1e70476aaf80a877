"""Fuzz the dla-advisor command line with mutated models, artifacts, option values and storage URLs.

    python benchmarks/fuzz.py --runs 20000 [--seed 1] [--kinds model,artifact,cli,tune] [--hang 60]

Prints how many runs ran, the tracebacks grouped by the place they were raised (deepest dla_advisor
frame and exception type), hangs, aborts and contract breaks, each with one example command. Exit
code 0 when every run kept the contract, 1 otherwise.

The contract of every run: exit code 0, 1 or 2; for 2, exactly one line on stderr (click's usage
form for option errors is fine); no run longer than --hang seconds; no file written except the
command's outputs, never over a special file, with normal permissions (umask 022 gives 0644); the
secret planted in storage URLs is never printed or written.

Runs happen in-process (click's own test isolation; a SIGALRM watchdog turns a hang into a report)
inside one worker process; a worker that dies (onnx's C++ code aborting, say) is recorded with the
case it was running and replaced. Cases are drawn by hypothesis (benchmarks/fuzz_cases.py).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

KINDS = ("model", "artifact", "cli", "tune")
WEIGHTS = {"model": 45, "artifact": 25, "cli": 27, "tune": 3}


# ---------------------------------------------------------------- drawing cases (worker side)

def _draw_case(data, kind: str, d: Path, corpus: list[Path]):
    from hypothesis import strategies as st

    import fuzz_cases as fc

    if kind == "model":
        raw, muts = data.draw(fc.mutated_models(d))
        model = d / "m.onnx"
        model.write_bytes(raw)
        cmd = data.draw(st.sampled_from(["advise", "advise", "check", "check", "estimate", "fix", "inspect"]))
        outs: list[str] = []
        if cmd == "advise":
            argv = ["advise", str(model), "--format", data.draw(st.sampled_from(["text", "json"])),
                    "--precision", data.draw(st.sampled_from(["int8", "fp16"]))]
            if data.draw(st.booleans()):
                argv.append("-v")
        elif cmd == "check":
            argv = ["check", str(model), "--format", data.draw(st.sampled_from(["text", "json", "sarif", "junit",
                                                                                 "github", "markdown"]))]
        elif cmd == "estimate":
            argv = ["estimate", str(model), "--plan", data.draw(st.sampled_from(["gpu,dla0", "gpu:bs=2,dla0,dla1"]))]
        elif cmd == "fix":
            out = d / "fixed.onnx"
            argv, outs = ["fix", str(model), "-o", str(out)], [str(out), str(out) + ".data"]
        else:
            log = d / "engine.log"
            shutil.copy(data.draw(st.sampled_from([p for p in corpus if p.suffix == ".log"])), log)
            argv = ["inspect", str(log), "--model", str(model)]
        if cmd != "fix" and data.draw(st.integers(0, 4)) == 0:
            outs.append(str(d / "report.out"))
            argv += ["-o", outs[-1]]
        return fc.Case("model", argv, outs, note=",".join(muts))
    if kind == "artifact":
        src, raw, muts = data.draw(fc.mutated_artifacts(corpus))
        suffix = data.draw(st.sampled_from([src.suffix, src.suffix, ".txt", ".json", ".log", ""]))
        art = d / ("artifact" + suffix)
        art.write_bytes(raw)
        cmd = data.draw(st.sampled_from(["inspect", "inspect", "check", "inspect2", "calibrate"]))
        if cmd == "inspect":
            argv = ["inspect", str(art), "--format", data.draw(st.sampled_from(["text", "json"]))]
        elif cmd == "inspect2":
            other = d / ("other" + src.suffix)
            shutil.copy(data.draw(st.sampled_from(corpus)), other)
            argv = ["inspect", str(art), str(other)]
        elif cmd == "check":
            argv = ["check", str(art)]
        else:
            argv = ["calibrate", str(art), *data.draw(st.sampled_from([["--no-fit"], ["--max-evals", "10"]]))]
        return fc.Case("artifact", argv, note=f"{src.name}:{','.join(muts)}")
    model = d / "m.onnx"
    model.write_bytes(data.draw(fc.base_models()).SerializeToString())
    if kind == "cli":
        return _draw_cli(data, d, model, corpus)
    return _draw_tune(data, d, model)


_MODEL_OPTS = ["--batch", "--shapes", "--inputIOFormats", "--outputIOFormats", "--useDLACore", "--layerDeviceTypes",
               "--platform", "--precision"]
OPTIONS = {
    "advise": _MODEL_OPTS + ["--device", "--power-mode", "--fail-on", "--format", "-o"],
    "check": _MODEL_OPTS + ["--max-gpu-layers", "--max-loadables", "--max-reformats", "--select", "--ignore",
                            "--rules", "--calib", "--format", "--fail-on", "-o"],
    "estimate": ["--plan", "--device", "--power-mode", "--precision", "--shapes", "--platform", "-o", "--format"],
    "fix": ["--seed", "--atol", "--rtol", "--rewrites", "--shapes", "--platform", "--device", "--power-mode", "-o"],
    "inspect": ["--model", "-o", "--batch", "--format", "--platform"],
    "calibrate": ["--max-evals", "--params", "--device", "--write-device", "-o"],
    "platforms": ["ID", "-o", "--format"],
    "rules": ["ID", "-o"],
}


def _draw_cli(data, d: Path, model: Path, corpus: list[Path]):
    from hypothesis import strategies as st

    import fuzz_cases as fc

    cmd = data.draw(st.sampled_from(sorted(OPTIONS)))
    opt = data.draw(st.sampled_from(OPTIONS[cmd]))
    inputs = [str(model)]
    if cmd in ("advise", "check", "estimate"):
        argv = [cmd, str(model)]
    elif cmd == "fix":
        argv = ["fix", str(model)]
    elif cmd == "inspect":
        log = d / "engine.log"
        shutil.copy(data.draw(st.sampled_from([p for p in corpus if p.suffix == ".log"])), log)
        argv, inputs = ["inspect", str(log)], [str(log)]
    elif cmd == "calibrate":
        meas = d / "meas.yaml"
        shutil.copy(fc.REPO / "rules" / "calibration" / "orin-agx-64gb.yaml", meas)
        argv, inputs = ["calibrate", str(meas), "--no-fit"], [str(meas)]
    else:
        argv, inputs = [cmd], []
    outs: list[str] = []
    if opt in ("-o", "--write-device"):
        value, _ = data.draw(fc.odd_output(d, inputs))
        outs.append(value)
    else:
        (d / "bin.yaml").write_bytes(bytes(range(256)) * 4)
        os.mkfifo(d / "fifo.yaml")
        (d / "rules").mkdir()
        (d / "rules" / "junk.yaml").write_bytes(data.draw(st.sampled_from([b"\xff\xfe", b"- [", b"{}", b"id: 3"])))
        value = data.draw(st.sampled_from(fc.ODD_VALUES + [str(d), str(d / "nope"), str(model), str(d / "bin.yaml"),
                                                           str(d / "fifo.yaml"), str(d / "rules")]))
    if opt == "ID":
        argv.append(value)
    else:
        argv += [opt, value]
    if cmd == "fix" and opt != "-o":
        out = d / "fixed.onnx"
        argv += ["-o", str(out)]
        outs += [str(out), str(out) + ".data"]
    return fc.Case("cli", argv, outs, note=opt)


def _draw_tune(data, d: Path, model: Path):
    from hypothesis import strategies as st

    import fuzz_cases as fc

    fc.make_storage_files(d)
    argv = ["tune", str(model), "--no-reference"]
    outs = [str(d / "m.dla-tune.db"), str(d / "m.dla-tune.db-journal")]
    dirs = [str(d / "m.dla-tune.engines")]
    form = data.draw(st.sampled_from(fc.STORAGE_FORMS + ["DEFAULT"] * 3))
    if form != "DEFAULT":
        url = fc.storage_url(form, d)
        argv += ["--storage", url]
        path = url.split("///", 1)[1].split("?")[0] if url.startswith("sqlite:///") else url.partition(":")[2]
        path = path[len("file:"):] if path.startswith("file:") else path
        if path and not path.endswith("m.onnx"):  # the model is an input, never an output
            outs += [path, path + "-journal", path + ".lock", path + "-wal", path + "-shm"]
            try:
                dirs.append(str(Path(path).with_suffix(".engines")))
            except ValueError:
                pass
        if url.endswith(".jsonl"):
            outs += [url, url + ".lock"]
    argv += ["--trials", data.draw(st.sampled_from(["1", "2", "3"] + fc.ODD_VALUES[:9]))]
    for opt, values in (("--seed", ["0", "-1", "4294967296", "nan"]), ("--latency-budget", ["nan", "inf", "0", "0.001", "5"]),
                        ("--timeout", ["0", "nan", "inf", "1e309", "-1"]), ("--batches", ["1,2", "0", "-1", "1,,2", "9" * 50]),
                        ("--objective", ["latency", "both"]), ("--heartbeat", ["1", "0", "9" * 400]),
                        ("--sampler", ["random"]), ("--max-gpu-instances", ["0", "9"]),
                        ("--precisions", ["int8"]), ("--format", ["json"])):
        if data.draw(st.integers(0, 5)) == 0:
            argv += [opt, data.draw(st.sampled_from(values))]
    if data.draw(st.integers(0, 3)) == 0:
        value, _ = data.draw(fc.odd_output(d, [str(model)]))
        argv += ["-o", value]
        outs.append(value)
    return fc.Case("tune", argv, outs, dirs, note=form)


# ---------------------------------------------------------------- running one case (worker side)

class _Hang(BaseException):
    pass


def _on_alarm(signum, frame):
    raise _Hang()


def _snapshot(d: Path) -> dict[str, tuple]:
    out = {}
    for root, dirs, files in os.walk(d):
        for name in dirs + files:
            p = os.path.join(root, name)
            try:
                st_ = os.lstat(p)
            except OSError:
                continue
            out[p] = (stat.S_IFMT(st_.st_mode), stat.S_IMODE(st_.st_mode), st_.st_size, st_.st_mtime_ns)
    return out


def _place(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "dla_advisor" in f.filename]
    f = (ours or frames or [None])[-1]
    if f is None:
        return type(exc).__name__
    where = f.filename.split("dla_advisor/", 1)[-1] if "dla_advisor" in f.filename else Path(f.filename).name
    return f"{type(exc).__name__} at {where}:{f.lineno} ({f.name})"


def _allowed(path: str, case) -> bool:
    if path in case.outputs or any(path == o or path.startswith(o + os.sep) for o in case.output_dirs):
        return True
    real = os.path.realpath(path)
    return any(os.path.realpath(o) == real for o in case.outputs if o)


def run_case(case, d: Path, hang_s: float) -> dict:
    from click.testing import CliRunner

    import fuzz_cases as fc
    from dla_advisor.cli import main

    before = _snapshot(d)
    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2 mixes stderr into stdout unless told not to
    except TypeError:
        runner = CliRunner()
    result = {"kind": case.kind, "cmd": case.describe(), "note": case.note[:200]}
    t0 = time.monotonic()
    exc = None
    rc = None
    with runner.isolation() as streams:
        out, err = streams[0], streams[1]
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, hang_s)
        try:
            rc = main(list(case.argv))
        except _Hang:
            exc = "hang"
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 2
        except BaseException as e:  # noqa: BLE001 - every escape is what we are looking for
            exc = e
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        stdout = out.getvalue().decode("utf-8", "replace")
        stderr = err.getvalue().decode("utf-8", "replace")
    result["seconds"] = round(time.monotonic() - t0, 3)
    result["rc"] = rc
    if exc == "hang":
        result.update(outcome="hang", place=f"hang over {hang_s:g} s in {case.argv[0]}")
        return result
    if exc is not None:
        result.update(outcome="traceback", place=_place(exc), detail=f"{type(exc).__name__}: {str(exc)[:300]}")
        return result
    breaks = []
    if rc not in (0, 1, 2):
        breaks.append(f"exit code {rc}")
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    if rc == 2 and len(lines) != 1 and not (lines and lines[0].startswith("Usage:") and any(
            ln.startswith("Error:") for ln in lines)):
        breaks.append(f"exit 2 with {len(lines)} stderr lines")
    if "Traceback (most recent call last)" in stdout + stderr:
        breaks.append("traceback printed")
    if fc.SECRET in stdout + stderr:
        breaks.append("secret printed")
    after = _snapshot(d)
    for p, (kind, mode, size, mtime) in after.items():
        old = before.get(p)
        if old == (kind, mode, size, mtime):
            continue
        if old is not None and old[0] != kind:
            breaks.append(f"replaced a {stat.filemode(old[0])[0]} file with a {stat.filemode(kind)[0]} one")
            continue
        if kind == stat.S_IFDIR and old is not None:
            continue  # a folder's mtime changes when a file in it does; the file is checked itself
        if not _allowed(p, case):
            breaks.append(f"wrote a file that is not an output ({os.path.basename(p)[:40]})")
            continue
        if kind == stat.S_IFREG and mode != 0o644 and not (old and old[1] == mode):
            breaks.append(f"output mode {oct(mode)}")
        if kind == stat.S_IFREG and size < 2_000_000:
            try:
                if fc.SECRET.encode() in Path(p).read_bytes():
                    breaks.append("secret written to a file")
            except OSError:
                pass
    for p, old in before.items():
        if p not in after and not _allowed(p, case):
            breaks.append(f"removed {os.path.basename(p)[:40]}")
    if breaks:
        result.update(outcome="break", place=f"{case.argv[0]}: {breaks[0]}", detail=stderr[-300:])
    else:
        result["outcome"] = "ok"
    return result


def worker(runs: int, seed: int, kinds: tuple[str, ...], hang_s: float, workdir: Path) -> None:
    """Draw and run ``runs`` cases; one JSON line per case start and end on stdout."""
    import warnings

    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    import fuzz_cases as fc

    os.umask(0o022)
    # Python's default warning filters, as the installed command has: a warning printed next to an
    # error line breaks the one-line contract. (In one process each is shown once per place.)
    warnings.resetwarnings()
    warnings.simplefilter("default")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    os.environ.setdefault("COLUMNS", "110")
    real_stdout = sys.stdout
    corpus = fc.corpus_files()
    counter = [0]
    weights = [k for k in kinds for _ in range(WEIGHTS[k])]

    def emit(obj):
        real_stdout.write(json.dumps(obj) + "\n")
        real_stdout.flush()

    @hseed(seed)
    @settings(max_examples=runs, database=None, deadline=None, phases=[Phase.generate], derandomize=False,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(st.data())
    def drive(data):
        if counter[0] >= runs:
            return
        counter[0] += 1
        n = counter[0]
        d = Path(tempfile.mkdtemp(prefix=f"c{n}-", dir=workdir))
        try:
            kind = data.draw(st.sampled_from(weights))
            try:
                case = _draw_case(data, kind, d, corpus)
            except Exception as e:  # a bug of the fuzzer itself: say so, do not count it as the tool's
                emit({"n": n, "event": "end", "result": {"kind": kind, "outcome": "fuzzer-error",
                                                          "place": _place(e), "cmd": "", "detail": str(e)[:200]}})
                return
            emit({"n": n, "event": "start", "cmd": case.describe(), "kind": case.kind, "note": case.note[:200]})
            emit({"n": n, "event": "end", "result": run_case(case, d, hang_s)})
        finally:
            _rmtree(d)

    drive()


def _rmtree(d: Path) -> None:
    for root, dirs, files in os.walk(d):
        for name in dirs:
            try:
                os.chmod(os.path.join(root, name), 0o755)
            except OSError:
                pass
    shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------- the campaign (parent side)

class Summary:
    def __init__(self):
        self.runs = 0
        self.outcomes: Counter = Counter()
        self.places: dict[str, dict] = {}
        self.by_kind: Counter = Counter()
        self.exit_codes: Counter = Counter()
        self.seconds = 0.0

    def add(self, r: dict) -> None:
        self.runs += 1
        self.outcomes[r["outcome"]] += 1
        self.by_kind[r.get("kind", "?")] += 1
        if r["outcome"] in ("ok", "break"):
            self.exit_codes[r.get("rc")] += 1
        if r["outcome"] != "ok":
            key = f"[{r['outcome']}] {r.get('place', '?')}"
            entry = self.places.setdefault(key, {"count": 0, "example": r.get("cmd", ""), "note": r.get("note", ""),
                                                 "detail": r.get("detail", "")})
            entry["count"] += 1

    def distinct(self, outcome: str) -> int:
        return sum(1 for k in self.places if k.startswith(f"[{outcome}]"))

    def clean(self) -> bool:
        return all(k == "ok" for k in self.outcomes)

    def text(self) -> str:
        o = self.outcomes
        lines = [f"runs: {self.runs} ({', '.join(f'{k} {v}' for k, v in sorted(self.by_kind.items()))}) in {self.seconds:.0f} s",
                 f"exit codes of completed runs: {', '.join(f'{k}: {v}' for k, v in sorted(self.exit_codes.items(), key=str))}",
                 f"tracebacks: {o['traceback']} in {self.distinct('traceback')} distinct places",
                 f"hangs: {o['hang']} ({self.distinct('hang')} distinct)",
                 f"aborts (worker died): {o['abort']} ({self.distinct('abort')} distinct)",
                 f"contract breaks: {o['break']} ({self.distinct('break')} distinct)",
                 f"fuzzer errors: {o['fuzzer-error']}"]
        for key, e in sorted(self.places.items(), key=lambda kv: -kv[1]["count"]):
            lines.append(f"  {e['count']:6d}  {key}")
            lines.append(f"          e.g. dla-advisor {e['example'][:300]}  [{e['note'][:120]}]")
            if e["detail"]:
                lines.append(f"          {e['detail'].strip().splitlines()[-1][:200] if e['detail'].strip() else ''}")
        return "\n".join(lines)


def run_campaign(runs: int, seed: int = 1, kinds: tuple[str, ...] = KINDS, hang_s: float = 60.0,
                 workdir: str | None = None, progress: bool = False) -> Summary:
    """Run ``runs`` cases in worker processes; a worker that dies or stalls is replaced."""
    summary = Summary()
    t0 = time.monotonic()
    if workdir:
        Path(workdir).mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="dla-fuzz-", dir=workdir))
    attempt = 0
    try:
        while summary.runs < runs:
            attempt += 1
            left = runs - summary.runs
            cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--runs", str(left), "--seed",
                   str(seed * 1000 + attempt), "--kinds", ",".join(kinds), "--hang", str(hang_s), "--workdir", str(base)]
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    start_new_session=True)
            lines: queue.Queue = queue.Queue()
            threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stdout] + [lines.put(None)],
                             daemon=True).start()
            err_tail: list[str] = []
            threading.Thread(target=lambda: [err_tail.append(ln) or err_tail.__delitem__(slice(0, -20))
                                             for ln in proc.stderr], daemon=True).start()
            current = None
            done_here = 0
            while True:
                try:
                    line = lines.get(timeout=hang_s + 60 if current else 600)
                except queue.Empty:
                    os.killpg(proc.pid, signal.SIGKILL)
                    if current:
                        summary.add({"kind": current["kind"], "outcome": "hang", "cmd": current["cmd"],
                                     "note": current.get("note", ""),
                                     "place": f"hang (not interruptible) in {current['cmd'].split(' ')[0]}"})
                    break
                if line is None:
                    break
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if msg["event"] == "start":
                    current = msg
                else:
                    summary.add(msg["result"])
                    current = None
                    done_here += 1
                    if progress and summary.runs % 500 == 0:
                        print(f"... {summary.runs} runs, {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
            rc = proc.wait()
            if current is not None:  # the worker died in the middle of a case
                summary.add({"kind": current["kind"], "outcome": "abort", "cmd": current["cmd"],
                             "note": current.get("note", ""), "place": f"process killed by signal {-rc} "
                             f"in {current['cmd'].split(' ')[0]}" if rc < 0 else f"process exited {rc} mid-case"})
            elif done_here == 0:
                raise RuntimeError("fuzz worker failed to start:\n" + "".join(err_tail))
    finally:
        shutil.rmtree(base, ignore_errors=True)
        summary.seconds = time.monotonic() - t0
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--hang", type=float, default=60.0, help="seconds after which a run counts as hung")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--json", action="store_true", help="also print the summary as JSON")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    kinds = tuple(k for k in a.kinds.split(",") if k)
    if a.worker:
        worker(a.runs, a.seed, kinds, a.hang, Path(a.workdir))
        return 0
    s = run_campaign(a.runs, a.seed, kinds, a.hang, a.workdir, progress=True)
    print(s.text())
    if a.json:
        print(json.dumps({"runs": s.runs, "outcomes": dict(s.outcomes), "places": s.places}, indent=1))
    return 0 if s.clean() else 1


if __name__ == "__main__":
    sys.exit(main())

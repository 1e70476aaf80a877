"""Every command writes -o through one safe writer: never a special file, a folder or an input."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from dla_advisor import _safe_write
from dla_advisor.errors import UsageError
from support import run_cli


def _special(kind: str, path: Path) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "chardev":
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # a /dev/null made here, not the system's
    elif kind == "socket":
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(path))
        s.close()
    else:
        path.mkdir()


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize("kind, words", [("fifo", "FIFO"), ("chardev", "character device"), ("socket", "socket"),
                                         ("dir", "folder")])
@pytest.mark.parametrize("command", ["advise", "check", "estimate", "platforms", "inspect", "fix", "tune"])
def test_special_files_are_refused_and_left_as_they_are(tmp_path, seed_model, corpus, capsys, kind, words, command):
    if kind == "chardev" and os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    out = tmp_path / "out"
    _special(kind, out)
    before = os.lstat(out)
    argv = {"advise": ["advise", str(seed_model)], "check": ["check", str(seed_model)],
            "estimate": ["estimate", str(seed_model)], "platforms": ["platforms"],
            "inspect": ["inspect", str(corpus / "trtexec_orin_trt10.3_yolo11n_gpu_fp16.log")],
            "fix": ["fix", str(seed_model)],
            "tune": ["tune", str(seed_model), "--trials", "1", "--storage", f"sqlite:///{tmp_path / 's.db'}"]}[command]
    rc, _, err = run_cli(capsys, *argv, "-o", out)
    assert rc == 2 and len(err.strip().splitlines()) == 1 and words in err, err
    after = os.lstat(out)
    assert (stat.S_IFMT(after.st_mode), after.st_ino) == (stat.S_IFMT(before.st_mode), before.st_ino)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp file left


def test_output_gets_the_umask_permissions_and_replaces_atomically(tmp_path, seed_model, umask022, capsys):
    out = tmp_path / "report.txt"
    assert run_cli(capsys, "advise", seed_model, "-o", out)[0] == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o644
    assert "on DLA" in out.read_text()
    os.chmod(out, 0o640)  # a file the user narrowed keeps its mode
    inode = os.stat(out).st_ino
    assert run_cli(capsys, "advise", seed_model, "--format", "json", "-o", out)[0] == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o640 and os.stat(out).st_ino != inode
    assert out.read_text().lstrip().startswith("{")


def test_fixed_model_has_normal_permissions(tmp_path, models_dir, umask022, capsys):
    pytest.importorskip("onnxruntime")
    out = tmp_path / "fixed.onnx"
    assert run_cli(capsys, "fix", models_dir / "cifar_bn.onnx", "-o", out)[0] == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o644


@pytest.mark.parametrize("target", ["missing/out.txt", "plain/out.txt", "n" * 300])
def test_unwritable_paths_are_one_line_errors(tmp_path, seed_model, capsys, target):
    (tmp_path / "plain").write_text("x")
    rc, _, err = run_cli(capsys, "advise", seed_model, "-o", tmp_path / target)
    assert rc == 2 and len(err.strip().splitlines()) == 1 and err.startswith("error: cannot write -o")


def test_a_name_too_long_is_refused_before_tune_runs_a_trial(tmp_path, seed_model, capsys):
    study = tmp_path / "study.db"
    rc, _, err = run_cli(capsys, "tune", seed_model, "--no-reference", "--trials", "1",
                         "--storage", f"sqlite:///{study}", "-o", tmp_path / ("n" * 300))
    assert rc == 2 and err.strip().splitlines() == [err.strip()] and "longer than" in err, err
    assert not study.exists()


def test_an_input_is_never_overwritten_even_through_a_link(tmp_path, seed_model, capsys):
    link = tmp_path / "link.onnx"
    os.symlink(seed_model, link)
    data = seed_model.read_bytes()
    for out in (seed_model, link):
        rc, _, err = run_cli(capsys, "advise", seed_model, "-o", out)
        assert rc == 2
        assert "inputs are never overwritten" in err
    assert seed_model.read_bytes() == data and link.is_symlink()


def test_writing_through_a_link_keeps_the_link(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    os.symlink(target, link)
    _safe_write.write_text(link, "new\n")
    assert link.is_symlink() and target.read_text() == "new\n"


def test_a_failed_write_leaves_the_old_file_whole(tmp_path):
    out = tmp_path / "o.txt"
    out.write_text("old")
    with pytest.raises(RuntimeError):
        with _safe_write.atomic_output(out) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert out.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["o.txt"]


def test_plots_folder_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "plots").write_text("x")
    with pytest.raises(UsageError, match="not a folder"):
        _safe_write.prepare_output_dir(tmp_path / "plots")


@pytest.mark.parametrize("kind", ["fifo", "chardev"])
@pytest.mark.parametrize("command", ["advise", "inspect", "check", "calibrate"])
def test_special_files_as_inputs_are_refused_without_reading_them(tmp_path, capsys, kind, command):
    if kind == "chardev" and os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    src = tmp_path / ("in.onnx" if command == "advise" else "in.log")
    if kind == "chardev":
        os.mknod(src, 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # a /dev/zero made here: reading never ends
    else:
        os.mkfifo(src)  # reading blocks until a writer comes
    rc, _, err = run_cli(capsys, command, src)
    assert rc == 2 and len(err.strip().splitlines()) == 1, err
    assert ("FIFO" in err if kind == "fifo" else "character device" in err) or "no such file" in err.lower()

"""Nothing a user typed reaches a module raw; files land where users expect; modules check inputs.

Hostile activation texts are the real reproducers of issue 11; the modules are
imported in a subprocess whose working directory is watched for new files.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import stat
import subprocess
import sys

import numpy as np
import pytest

from derive import codegen as C
from tests.helpers import run_cli

ROOT = C.project_root()

HOSTILE = [
    'x # """;__import__("os").system("touch pwned");r"""',
    "(x #\n+x*0 #\n)",
    "x # '''\n",
]


def codegen(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "derive", "codegen", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def load_text(text: str, path):
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("safety_" + path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- user text is printed again from its parsed form ---------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_activation_text_never_reaches_a_module(text, tmp_path):
    """Refused in one line, or printed from its parsed form: never pasted into the module."""
    out = tmp_path / "out"
    done = codegen("-a", text, "--out", str(out), cwd=tmp_path)
    if done.returncode == 2:
        assert done.stderr.startswith("derive codegen: error: ") and done.stderr.count("\n") == 1
        assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == []
        return
    assert done.returncode == 0, done.stderr
    (path,) = out.iterdir()
    source = path.read_text(encoding="utf-8")
    compile(source, str(path), "exec")  # valid Python
    assert "pwned" not in source and "#" not in source.splitlines()[0].split("`")[1]
    watched = tmp_path / "cwd"
    watched.mkdir()
    script = (
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('m', {str(path)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "print(m.ACTIVATION)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=watched, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "(x)"  # the expression as parsed: the comment is gone
    assert list(watched.iterdir()) == []  # importing created no file


def test_the_module_holds_the_expression_as_parsed_not_as_typed(tmp_path):
    typed = "x /( 1+abs( x ))"
    out = tmp_path / "out"
    done = codegen("-a", typed, "--out", str(out))
    assert done.returncode == 0, done.stderr
    (path,) = out.iterdir()
    source = path.read_text(encoding="utf-8")
    assert typed not in source and "x/(abs(x) + 1)" in source
    compile(source, str(path), "exec")
    watched = tmp_path / "cwd"
    watched.mkdir()
    script = (
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('m', {str(path)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "print(m.ACTIVATION)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=watched, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "x/(abs(x) + 1)"
    assert list(watched.iterdir()) == []  # importing created no file
    # the header's command, run again, gives the same file byte for byte
    command = source.splitlines()[0].split("`")[1]
    assert command == 'python -m derive codegen -a "x/(abs(x) + 1)" -l sse'
    again = codegen(*shlex.split(command)[4:], "--out", str(tmp_path / "again"))
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes()


def test_expressions_are_printed_from_their_parsed_form():
    assert C.canonical("x/(1+abs(x))") == "x/(abs(x) + 1)"
    assert C.canonical("max(0,x)") == "max(0, x)"
    assert C.canonical("x*e^x") == "x*exp(x)"
    assert C.canonical("x") == "(x)"  # a bare name would be read as a table row
    text = C.render(C.Combo("x/(1+abs(x))", "sigmoid", "sse"))
    assert "x/(1+abs(x))" not in text and 'ACTIVATION = "x/(abs(x) + 1)"' in text


@pytest.mark.parametrize("text", ["x/0", "x + 1/0", "0*x/0"])
def test_an_activation_that_is_not_finite_is_one_line_exit_2(text, tmp_path):
    done = codegen("-a", text, "--out", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.startswith("derive codegen: error: ") and done.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


# -- files -----------------------------------------------------------------------------------


def test_codegen_writes_under_the_current_directory(tmp_path):
    done = codegen("-a", "tanh", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "generated" / "tanh_sse.py").is_file()


def test_check_without_a_generated_directory_is_one_line_exit_2(tmp_path):
    done = codegen("--check", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("derive codegen: error: no generated/")
    assert done.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(shutil.which("derive") is None, reason="the console script is not installed")
def test_the_console_script_behaves_as_python_m_derive(tmp_path):
    """Both look for ./generated under the current directory (the script once checked
    the installed package's copy and called all six modules stale)."""
    script = subprocess.run(
        ["derive", "codegen", "--check"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    module = codegen("--check", cwd=tmp_path)
    assert script.returncode == module.returncode == 2
    assert script.stderr == module.stderr
    assert list(tmp_path.iterdir()) == []


def test_written_files_honour_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        C.write(tmp_path / "a.py", C.render(C.Combo()))
        os.umask(0o077)
        C.write(tmp_path / "b.py", C.render(C.Combo()))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.py").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.py").stat().st_mode) == 0o600


def test_a_symlink_is_written_through_to_its_target(tmp_path):
    target = tmp_path / "real.py"
    link = tmp_path / "sigmoid_sse.py"
    link.symlink_to(target)
    assert run_cli("codegen", "--out", str(tmp_path))[0] == 0
    assert link.is_symlink() and target.read_text() == C.render(C.Combo())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_special_file_is_refused(tmp_path):
    os.mkfifo(tmp_path / "sigmoid_sse.py")
    code, _, err = run_cli("codegen", "--out", str(tmp_path))
    assert code == 2 and "not a regular file" in err and err.count("\n") == 1
    assert stat.S_ISFIFO((tmp_path / "sigmoid_sse.py").stat().st_mode)


def test_hash_covers_header_and_line_endings(tmp_path, capsys):
    assert run_cli("codegen", "--out", str(tmp_path))[0] == 0
    path = tmp_path / "sigmoid_sse.py"
    good = path.read_bytes()
    assert not C.edited(path)
    path.write_bytes(good.replace(b"\n", b"\r\n"))
    assert C.edited(path)
    assert run_cli("codegen", "--check", "--out", str(tmp_path))[0] == 1
    path.write_bytes(good.replace(b"-a sigmoid", b"-a tanh", 1))
    assert C.edited(path)
    code, _, err = run_cli("codegen", "--out", str(tmp_path))
    assert code == 2 and "edited by hand" in err
    assert path.read_bytes() == good.replace(b"-a sigmoid", b"-a tanh", 1)  # not overwritten


def test_a_file_that_is_not_utf8_is_a_one_line_error(tmp_path):
    (tmp_path / "sigmoid_sse.py").write_bytes(b"\xff\xfe not utf-8 \x80\n")
    code, out, err = run_cli("codegen", "--out", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert run_cli("codegen", "--check", "--out", str(tmp_path))[0] == 1


def test_stale_temporary_files_are_removed_and_none_survive(tmp_path, monkeypatch):
    stale = tmp_path / ".sigmoid_sse.py.abcd1234.tmp"
    stale.write_text(C.render(C.Combo())[:50])
    mine = tmp_path / ".sigmoid_sse.py.notours.tmp"
    mine.write_text("keep")
    assert run_cli("codegen", "--out", str(tmp_path))[0] == 0
    assert not stale.exists() and mine.exists()

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        C.write(tmp_path / "other.py", C.render(C.Combo()))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, "sigmoid_sse.py"])


def test_sigterm_during_a_write_leaves_no_temporary_file(tmp_path):
    script = (
        "import os, signal, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from derive import codegen as C\n"
        "real = os.replace\n"
        "def slow(*a):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    real(*a)\n"
        "os.replace = slow\n"
        f"C.write(__import__('pathlib').Path({str(tmp_path / 'm.py')!r}), C.render(C.Combo()))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode != 0
    assert list(tmp_path.iterdir()) == []


# -- generated modules check their inputs ------------------------------------------------------


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    where = tmp_path_factory.mktemp("checked")
    notes = load_text(C.render(C.Combo("sigmoid", "sigmoid", "mse")), where / "notes_mse.py")
    deep = load_text(
        C.render(C.Combo("tanh", "sigmoid", "sse", (4, 3, 3, 2), bias=True)), where / "deep.py"
    )
    return notes, deep


def deep_params(rng):
    widths = (4, 3, 3, 2)
    out = []
    for a, b in zip(widths, widths[1:], strict=False):
        out += [rng.normal(size=(a, b)), rng.normal(size=b)]
    return out


@pytest.mark.parametrize("bad_d", [(5, 1), (1, 2), (5, 3), (2,)])
def test_targets_of_the_wrong_shape_are_refused_not_broadcast(bad_d, modules):
    notes, deep = modules
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3))
    v, w = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    before = v.copy(), w.copy()
    d = np.zeros(bad_d)
    for call in (notes.update, notes.gradients, notes.loss):
        args = (x, d, v, w, 0.1) if call is notes.update else (x, d, v, w)
        with pytest.raises(ValueError, match=r"d has shape .*; expected \(5, 2\)"):
            call(*args)
    np.testing.assert_array_equal(v, before[0])
    np.testing.assert_array_equal(w, before[1])
    params = deep_params(rng)
    with pytest.raises(ValueError, match=r"expected \(5, 2\)"):
        deep.update(rng.normal(size=(5, 4)), d, *params, eta=0.1)


def test_inputs_and_parameters_of_the_wrong_shape_name_the_expected_one(modules):
    notes, deep = modules
    rng = np.random.default_rng(1)
    v, w = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    with pytest.raises(ValueError, match=r"x has shape \(5, 4\); expected \(n, 3\)"):
        notes.forward(np.zeros((5, 4)), v, w)
    with pytest.raises(ValueError, match=r"w has shape \(3, 2\); expected \(4, n\)"):
        notes.gradients(np.zeros((5, 3)), np.zeros((5, 2)), v, np.zeros((3, 2)))
    params = deep_params(rng)
    params[3] = np.zeros(4)  # b2 of the wrong width
    with pytest.raises(ValueError, match=r"b2 has shape \(4,\); expected \(3,\)"):
        deep.gradients(np.zeros((2, 4)), np.zeros((2, 2)), *params)


def test_an_empty_batch_is_a_clear_error(modules):
    notes, deep = modules
    rng = np.random.default_rng(2)
    v, w = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    for call in (notes.loss, notes.gradients):
        with pytest.raises(ValueError, match="empty batch"):
            call(np.zeros((0, 3)), np.zeros((0, 2)), v, w)
    with pytest.raises(ValueError, match="empty batch"):
        deep.update(np.zeros((0, 4)), np.zeros((0, 2)), *deep_params(rng), eta=0.1)


def test_read_only_parameters_are_refused_before_anything_changes(modules):
    notes, deep = modules
    rng = np.random.default_rng(3)
    params = deep_params(rng)
    params[-1].flags.writeable = False  # b3, the last one written
    before = [p.copy() for p in params]
    x, d = rng.normal(size=(5, 4)), rng.uniform(size=(5, 2))
    with pytest.raises(ValueError, match="b3 is read-only"):
        deep.update(x, d, *params, eta=0.5)
    for p, b in zip(params, before, strict=True):
        np.testing.assert_array_equal(p, b)
    v, w = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    w.flags.writeable = False
    v0 = v.copy()
    with pytest.raises(ValueError, match="w is read-only"):
        notes.update(rng.normal(size=(5, 3)), rng.uniform(size=(5, 2)), v, w, 0.5)
    np.testing.assert_array_equal(v, v0)


def test_scratch_arrays_do_not_leak_between_shapes_or_dtypes(modules):
    """The update's scratch arrays are cached per shape and dtype: results stay exact."""
    notes, _ = modules
    rng = np.random.default_rng(4)
    for dtype, shape in ((np.float64, (3, 4)), (np.float32, (3, 4)), (np.float64, (3, 5))):
        x = rng.normal(size=(6, 3)).astype(dtype)
        d = rng.uniform(size=(6, 2)).astype(dtype)
        v = rng.normal(size=shape).astype(dtype)
        w = rng.normal(size=(shape[1], 2)).astype(dtype)
        dv, dw = notes.gradients(x, d, v, w)
        want_v, want_w = v - 0.3 * dv, w - 0.3 * dw
        notes.update(x, d, v, w, 0.3)
        tol = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(v, want_v, rtol=tol, atol=tol)
        np.testing.assert_allclose(w, want_w, rtol=tol, atol=tol)
        assert v.dtype == dtype

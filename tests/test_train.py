"""`derive train`: the generated update code learns the digits; CSV and plot errors."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from tests.helpers import run_cli as run

pytest.importorskip("sklearn")
pytest.importorskip("tqdm")

from derive import training as T  # noqa: E402


@pytest.fixture(scope="module")
def module():
    return T.generated_module("sigmoid", "sigmoid", "sse")


def test_train_runs_the_module_rendered_in_memory(module, tmp_path, monkeypatch):
    from pathlib import Path

    from derive import codegen

    assert module.update.__code__.co_filename == module.__file__
    assert module.__file__.startswith("<derive: python -m derive codegen")
    assert module.SOURCE == codegen.render(module.COMBO)
    committed = Path(__file__).resolve().parents[1] / "generated" / "sigmoid_sse.py"
    assert committed.read_text(encoding="utf-8") == module.SOURCE
    # nothing is read from or written to the current directory
    monkeypatch.chdir(tmp_path)
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "sigmoid_sse.py").write_text("raise SystemExit(9)\n")
    again = T.generated_module("sigmoid", "sigmoid", "sse")
    assert again.SOURCE == module.SOURCE
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["generated", "sigmoid_sse.py"]


def test_a_short_run_learns_the_digits(module):
    data = T.digits(0)
    assert data.x_train.shape == (1347, 64) and data.x_test.shape == (450, 64)
    assert data.x_train.min() == pytest.approx(0.01) and data.x_train.max() == pytest.approx(1.0)
    history = T.train(module, data, epochs=3, eta=0.3, seed=0)
    assert history.accuracy[-1] >= 0.90
    assert history.loss[0] > history.loss[-1]


def test_targets_are_the_books():
    d = T.targets(np.array([2, 0]))
    assert d.shape == (2, 10)
    assert d[0, 2] == 0.99 and d[1, 0] == 0.99 and d.sum() == pytest.approx(2 * (0.99 + 9 * 0.01))


def test_book_rule_differs_from_the_gradient_and_learns(module):
    rng = np.random.default_rng(1)
    x, d = rng.random((4, 5)), T.targets(np.array([0, 1, 2, 3]))
    v0, w0 = rng.normal(size=(5, 3)), rng.normal(size=(3, 10))
    exact = (v0.copy(), w0.copy())
    book = (v0.copy(), w0.copy())
    module.update(x, d, *exact, 0.1)
    T.book_update(module)(x, d, *book, 0.1)
    assert np.allclose(exact[1], book[1])  # same output layer
    assert not np.allclose(exact[0], book[0])  # the hidden layer differs


def test_cli_prints_accuracy_each_epoch_and_writes_the_plot(tmp_path):
    plot = tmp_path / "curves.png"
    code, out, err = run("train", "--epochs", "2", "--hidden", "30", "--plot", str(plot))
    assert code == 0, err
    assert out.count("test accuracy") == 2 * 2 + 2
    from PIL import Image

    with Image.open(plot) as im:
        assert im.format == "PNG" and im.size[0] > 600
        assert len(np.unique(np.asarray(im.convert("L")))) > 50  # curves and text, not blank
    assert [p.name for p in tmp_path.iterdir()] == ["curves.png"]


def write_csv(path, rows):
    path.write_text("".join(",".join(map(str, r)) + "\n" for r in rows), encoding="utf-8")


def mnist_rows(n, rng):
    return [[k % 10] + list(rng.integers(0, 256, 784)) for k in range(n)]


def test_csv_trains(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "mnist_train_40.csv"
    write_csv(path, mnist_rows(40, rng))
    code, out, err = run("train", "--csv", str(path), "--epochs", "1", "--hidden", "8")
    assert code == 0, err
    assert "784-8-10" in out and "30 training and 10 test" in out


@pytest.mark.parametrize(
    "bad, message",
    [
        (lambda r: r[:100], "line 3: expected a label and 784 pixel values"),
        (lambda r: ["x"] + r[1:], "line 3: the label 'x' is not a digit 0-9"),
        (lambda r: r[:5] + ["a"] + r[6:], "line 3: the pixel value 'a' is not a number"),
        (lambda r: r[:5] + [300] + r[6:], "line 3: the pixel value 300 is outside 0..255"),
    ],
)
def test_csv_bad_row_names_the_line(tmp_path, bad, message):
    rows = mnist_rows(5, np.random.default_rng(0))
    rows[2] = bad(rows[2])
    path = tmp_path / "bad.csv"
    write_csv(path, rows)
    plot = tmp_path / "p.png"
    code, out, err = run("train", "--csv", str(path), "--plot", str(plot))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err and "bad.csv" in err
    assert not plot.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


@pytest.mark.parametrize("where", ["missing_dir", "a_directory"])
def test_unwritable_plot_fails_before_training(tmp_path, where):
    target = tmp_path / "no" / "such" / "p.png" if where == "missing_dir" else tmp_path
    code, out, err = run("train", "--plot", str(target))
    assert code == 2 and out == ""
    assert "cannot write the plot" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_missing_extra_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    code, out, err = run("train")
    assert code == 2
    assert err.strip() == (
        "derive train: error: tqdm is not installed; install with: python3 -m pip install tqdm"
        "  (or, in a checkout of derive: python3 -m pip install '.[teach]')"
    )


@pytest.mark.parametrize(
    "argv, word",
    [
        (("--activation", "nope"), "activation"),
        (("--loss", "l1"), "loss"),
        (("--eta", "-1"), "--eta"),
        (("--eta", "inf"), "finite"),
        (("--eta", "nan"), "finite"),
        (("--seed", "-1"), "--seed"),
        (("--hidden", "1000000000"), "--hidden"),
        (("--epochs", "100000"), "--epochs"),
        (("--activation", "nope"), "expression in x"),
        (("--epochs", "two"), "--epochs"),
        (("--loss", "ce", "--output-activation", "softmax", "--plot", "x.png"), "softmax"),
    ],
)
def test_bad_options_exit_2(argv, word):
    code, out, err = run("train", *argv)
    assert code == 2 and word in err and len(err.strip().splitlines()) == 1


def test_huge_hidden_is_refused_before_allocating():
    code, out, err = run("train", "--hidden", "100000")
    assert code == 2 and out == ""
    assert "GiB" in err and "--hidden 100000" in err and len(err.strip().splitlines()) == 1
    assert T.memory_needed(64, 100_000, 1797) > T.MEMORY_BUDGET >= T.memory_needed(64, 100, 1797)


def test_an_absurd_eta_is_reported_with_advice_not_a_silent_10_percent():
    code, out, err = run("train", "--eta", "1e308", "--hidden", "10", "--epochs", "2")
    assert code == 2
    assert "collapsed" in err and "try a smaller --eta" in err
    assert len(err.strip().splitlines()) == 1 and "Warning" not in err


def test_tanh_trains_with_its_default_eta_and_collapses_at_0_3():
    code, out, err = run("train", "--activation", "tanh", "--hidden", "30", "--epochs", "2")
    assert code == 0, err
    assert "eta 0.03 (the default for it)" in out
    accuracy = float(out.split("exact gradient: test accuracy ")[1].split()[0])
    assert accuracy > 0.8
    code, out, err = run("train", "-a", "tanh", "--eta", "0.3", "--epochs", "1")
    assert code == 2 and "diverged: the loss rose" in err and "0.03" in err


def test_a_users_expression_trains():
    code, out, err = run("train", "-a", "x/(1+abs(x))", "--hidden", "10", "--epochs", "1")
    assert code == 0, err
    assert "test accuracy" in out


def test_book_step_equals_the_gradient_where_the_output_derivative_is_one():
    """With an identity output and sse, e_k = d - O = δ_k: the book's rule is exact."""
    linear = T.generated_module("relu", "identity", "sse")
    rng = np.random.default_rng(3)
    x, d = rng.random((6, 5)), T.targets(np.arange(6) % 10)
    v, w = rng.normal(size=(5, 4)), rng.normal(size=(4, 10))
    cosine, ratio = T.compare_steps(linear, T.book_update(linear), x, d, v, w)
    assert cosine == pytest.approx(1.0) and ratio == pytest.approx(1.0)


def test_sigmoid_book_step_is_longer_and_the_summary_says_why(module):
    rng = np.random.default_rng(4)
    x, d = rng.random((8, 6)), T.targets(np.arange(8))
    v, w = rng.normal(0, 0.4, (6, 5)), rng.normal(0, 0.4, (5, 10))
    cosine, ratio = T.compare_steps(module, T.book_update(module), x, d, v, w)
    # the exact hidden step carries f'(net_k) = O(1 - O) <= 1/4; the book's does not
    assert 0 < cosine < 1 and ratio > 3
    history = T.History("exact", cosine=[cosine], ratio=[ratio])
    sentence = T.explain_steps(history)
    assert f"{ratio:.2f} times as long" in sentence and "effective learning rate" in sentence


def test_csv_that_is_not_text_is_one_line(tmp_path):
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)  # a picture
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("label,pixel\n5,caf\xe9\n".encode("latin-1"))
    for path, line in ((binary, "line 1"), (latin, "line 2")):
        code, out, err = run("train", "--csv", str(path))
        assert code == 2 and out == ""
        assert f"{line} is not UTF-8" in err and len(err.strip().splitlines()) == 1


def test_csv_header_row_is_skipped(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "with_header.csv"
    header = ["label"] + [f"pixel{n}" for n in range(784)]
    write_csv(path, [header] + mnist_rows(12, rng))
    x, labels = T.read_csv(path)
    assert x.shape == (12, 784) and list(labels[:3]) == [0, 1, 2]


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no FIFOs here")
def test_plot_refuses_a_special_file(tmp_path):
    import os

    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    code, out, err = run("train", "--plot", str(fifo))
    assert code == 2 and "not a regular file" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.png"]
    assert not fifo.is_file()  # still the FIFO


def test_plot_writes_through_a_symlink_and_honours_the_umask(tmp_path):
    import os
    import stat

    from derive.training import History

    target = tmp_path / "real.png"
    link = tmp_path / "link.png"
    link.symlink_to(target)
    h = History("exact", loss=[1.0, 0.5], accuracy=[0.5, 0.8], cosine=[0.9, 0.8], ratio=[4, 5])
    old = os.umask(0o027)
    try:
        T.plot([h], link, "title")
    finally:
        os.umask(old)
    assert link.is_symlink() and target.is_file()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.png", "real.png"]

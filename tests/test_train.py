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


def test_train_imports_the_rendered_module(module):
    from derive import codegen

    assert module.__file__.endswith("sigmoid_sse.py")
    assert module.update.__code__.co_filename == module.__file__
    with open(codegen.generated_dir() / "sigmoid_sse.py", encoding="utf-8") as fh:
        assert fh.read() == codegen.render(module.COMBO)


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
        (("--epochs", "two"), "--epochs"),
        (("--loss", "ce", "--output-activation", "softmax", "--plot", "x.png"), "softmax"),
    ],
)
def test_bad_options_exit_2(argv, word):
    code, out, err = run("train", *argv)
    assert code == 2 and word in err and len(err.strip().splitlines()) == 1

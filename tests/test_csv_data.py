"""Your own points from a CSV file, as a teacher hands them in: with or without a header, the
label column found, classes numbered, a regression target kept, and the run trains on exactly
the file's points. (Each way of being wrong is a row of tests/test_bad_input.py's table.)"""

import numpy as np
import pytest
import torch

from explorer.training import TrainConfig, TrainingSession
from explorer.training.csv_data import CsvError, read_csv


def _write(tmp_path, text, name="points.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_header_is_optional_and_the_last_column_is_the_label(tmp_path):
    plain = read_csv(_write(tmp_path, "0.5,1,0\n1,2,1\n2,0,0\n3,1,1\n", "a.csv"))
    headed = read_csv(_write(tmp_path, "a,b,c\n0.5,1,0\n1,2,1\n2,0,0\n3,1,1\n", "b.csv"))
    for data in (plain, headed):
        assert data.x.tolist() == [[0.5, 1], [1, 2], [2, 0], [3, 1]]
        assert data.y.tolist() == [0, 1, 0, 1] and data.task == "classification"
    assert headed.features == ("a", "b") and headed.label == "c"


def test_a_column_headed_label_is_the_label_wherever_it_stands(tmp_path):
    data = read_csv(_write(tmp_path, "x1,Label,x2\n0,1,5\n1,0,6\n2,1,7\n3,0,8\n"))
    assert data.features == ("x1", "x2") and data.x[:, 1].tolist() == [5, 6, 7, 8]
    assert data.y.tolist() == [1, 0, 1, 0]


def test_labels_minus_one_and_one_are_classes_zero_and_one(tmp_path):
    """The Playground's own files label −1 / 1."""
    data = read_csv(_write(tmp_path, "0,0,-1\n0,1,1\n1,0,1\n1,1,-1\n"))
    assert data.y.tolist() == [0, 1, 1, 0] and data.classes == (-1.0, 1.0)
    assert "-1 → 0, 1 → 1" in data.spec().doc


def test_fractional_labels_are_a_regression_target(tmp_path):
    data = read_csv(_write(tmp_path, "x1,x2,y\n0,0,0.5\n0,1,1.25\n1,0,-2\n1,1,3\n"))
    assert data.task == "regression" and data.y.shape == (4, 1)
    assert data.y[:, 0].tolist() == [0.5, 1.25, -2, 3]


def test_tabs_quotes_comments_and_blank_lines(tmp_path):
    text = '# made by hand\nx1\tx2\tlabel\n\n"1"\t2\t0\n3\t4\t1\n# a note\n5\t6\t0\n7\t8\t1\n'
    data = read_csv(_write(tmp_path, text))
    assert data.x.tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]]


def test_the_row_named_is_the_files_own_line(tmp_path):
    """Blank lines and comments count as lines: the row is where an editor shows it."""
    text = "x1,x2,label\n# note\n\n0,1,0\n1,0,1\n0,oops,0\n1,1,1\n"
    with pytest.raises(CsvError, match=r"row 6, column 2 \(\"x2\"\): 'oops' is not a number"):
        read_csv(_write(tmp_path, text))
    text = "x1,x2,label\n\n0,1,0\n1,0,1\n0,inf,0\n1,1,1\n"
    with pytest.raises(CsvError, match=r"row 5, column 2 \(\"x2\"\): inf is not a finite"):
        read_csv(_write(tmp_path, text, "inf.csv"))


def test_a_file_changed_since_its_setup_was_saved_is_one_sentence(tmp_path):
    path = _write(tmp_path, "0,0,0\n0,1,1\n1,0,1\n1,1,0\n")
    saved = read_csv(path).sha256
    assert read_csv(path, sha256=saved).rows == 4
    path.write_text("0,0,0\n0,1,1\n1,0,1\n1,1,1\n")
    with pytest.raises(CsvError, match="has changed since the setup was saved"):
        read_csv(path, sha256=saved)


def test_over_the_row_budget_is_refused_before_training(tmp_path):
    path = _write(tmp_path, "0,0,0\n0,1,1\n" * 6)
    with pytest.raises(CsvError, match="12 rows, over the budget of 10 rows"):
        read_csv(path, max_rows=10)


def test_a_run_trains_on_exactly_the_files_points(registry, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2)).round(4)
    y = (x[:, 0] > x[:, 1]).astype(int)
    lines = "\n".join(f"{a},{b},{c}" for (a, b), c in zip(x, y, strict=True))
    path = _write(tmp_path, "u,v,label\n" + lines + "\n")
    session = TrainingSession(
        TrainConfig(data=str(path), depth=1, width=4, epochs=1, batch_size=8), registry
    )
    s = session.splits
    got = torch.cat([s.train.x, s.val.x, s.test.x]).double().numpy()
    order = np.lexsort(got.T[::-1])
    want = x[np.lexsort(x.T[::-1])]
    np.testing.assert_allclose(got[order], want, atol=1e-6)
    assert s.spec.name == "csv:points.csv" and s.input_dim == 2
    session.fit()
    assert session.epochs and session.result()["config"]["data"] == str(path)

"""Your own points: a CSV file read, checked and made into a dataset the lab trains on.

The file holds two or more feature columns and a label column: the column headed ``label`` (or
``class``, ``target``, ``y``, ``value``), else the last one. The header is optional (a first row that is not
all numbers is one); commas, tabs or semicolons separate the cells; blank lines and lines starting
with ``#`` are skipped. Whole-number labels are classes (sorted and numbered 0, 1, …: a file
labelled −1 / 1 trains as classes 0 / 1); other numbers are a regression target, and so is a column headed
``value`` whatever its numbers (the Data panel's targets for regression: 0, 1 and 2 are heights
there, not classes) unless the loss needs classes.

Everything is checked before anything is handed on, and every mistake is one sentence naming the
file, the row (as a text editor numbers the lines) and the column: a missing label column, a cell
that is not a number (or NaN, or infinite), a single class, more rows than one run may take, labels
that are not classes where the loss needs classes. Nothing half-loaded reaches the trainer.

Fast: numpy's loader (C since numpy 1.23) reads the cells, 100,000 rows in well under a second;
cell-by-cell work happens only to name the cell a mistake is in (``dl-explorer bench csv`` prints
the figures).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from explorer.specs import DatasetSpec
from explorer.user_files import read_text

MAX_ROWS = 1_000_000  # the samples budget of one run (config.MAX_SAMPLES)
MAX_BYTES = 200_000_000  # 1,000,000 rows of a few columns; a bigger file is the wrong file
MAX_CLASSES = 50  # more distinct whole-number labels than this are a regression target
LABEL_NAMES = ("label", "class", "target", "y", "value")
VALUE_NAME = "value"  # a column headed so is a regression target, whole numbers too
MIN_ROWS = 4


class CsvError(ValueError):
    """One sentence naming the file and, where there is one, the row and column."""


@dataclass(frozen=True)
class CsvData:
    """A checked CSV: features ``x`` (float32, rows × features), labels ``y`` (class indices or
    float targets), what the columns are called, and the checksum of its text."""

    path: str
    x: np.ndarray
    y: np.ndarray
    features: tuple[str, ...]
    label: str
    task: str  # "classification" or "regression"
    classes: tuple[float, ...]  # the label values, in the order of their class indices
    sha256: str

    @property
    def rows(self) -> int:
        return int(self.x.shape[0])

    def spec(self) -> DatasetSpec:
        """A dataset spec whose loader gives these points (whatever n, noise and seed)."""
        x, y = torch.from_numpy(self.x), torch.from_numpy(self.y)

        def loader(
            n: int | None = None,
            noise: float = 0.0,
            seed: int = 0,  # noqa: ARG001
        ) -> tuple[torch.Tensor, torch.Tensor]:
            return x, y

        classes = ", ".join(f"{c:g} → {i}" for i, c in enumerate(self.classes))
        return DatasetSpec(
            name=f"csv:{Path(self.path).name}",
            loader=loader,
            task=self.task,
            n_classes=max(2, len(self.classes)),
            input_dim=len(self.features),
            default_n=self.rows,
            default_noise=0.0,
            doc=f"{self.rows} rows of {self.path}" + (f"; classes {classes}" if classes else ""),
            plugin="csv",
        )


def _where(path: str, row: int | None = None, column: int | None = None, name: str = "") -> str:
    text = path
    if row is not None:
        text += f", row {row}"
    if column is not None:
        text += f", column {column}" + (f' ("{name}")' if name else "")
    return text


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _delimiter(line: str) -> str:
    for mark in (",", "\t", ";"):
        if mark in line:
            return mark
    return ","


def read_csv(
    path: str | os.PathLike[str],
    *,
    classes_only: bool = False,
    max_rows: int = MAX_ROWS,
    sha256: str | None = None,
) -> CsvData:
    """The checked points of the CSV at ``path``. ``classes_only``: the loss needs classes (a
    non-whole label is then a mistake, not a regression target). ``sha256``: the checksum the
    file had when a setup referred to it (a changed file is then a sentence). Raises CsvError."""
    where = os.fspath(path)
    try:
        text = read_text(where, "a CSV file of points", MAX_BYTES)
    except ValueError as exc:
        raise CsvError(str(exc)) from None
    digest = text_sha256(text)
    if sha256 is not None and sha256 != digest:
        raise CsvError(
            f"{where} has changed since the setup was saved (its checksum differs): open the "
            "file it was saved with, or drop data_sha256 to use the file as it is now"
        )
    return read_csv_text(text, where, classes_only=classes_only, max_rows=max_rows)


def text_sha256(text: str) -> str:
    """The checksum a setup keeps of a CSV: SHA-256 of its text as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_csv_text(
    text: str, where: str, *, classes_only: bool = False, max_rows: int = MAX_ROWS
) -> CsvData:
    """``read_csv`` of a CSV's ``text`` (``where``: the file it is, or will be, named in every
    sentence): the Data panel checks its points this way before it writes them."""
    digest = text_sha256(text)
    lines = text.splitlines()
    first_at = next((i for i, line in enumerate(lines) if _is_row(line)), None)
    if first_at is None:
        raise CsvError(f"{where} holds no rows: give two or more feature columns and a label")
    first = lines[first_at]
    mark = _delimiter(first)
    head = _cells(first, mark)
    header = any(_number(c) is None for c in head)
    names = [c.strip() or f"column {j + 1}" for j, c in enumerate(head)] if header else []
    width = len(head)
    if width < 3:
        raise CsvError(
            f"{where}, row {first_at + 1}: no label column: {width} column(s), but a CSV needs "
            "two or more feature columns and a label column (headed label, or the last)"
        )
    if not names:
        names = [f"x{j + 1}" for j in range(width - 1)] + ["label"]
    skip = first_at + 1 if header else 0
    values = _values(where, text, lines, skip, mark, width, names, max_rows)
    rows = _RowNumbers(lines, skip)
    if len(values) < MIN_ROWS:
        raise CsvError(f"{where} has {len(values)} row(s) of points; give at least {MIN_ROWS}")
    lowered = [n.lower() for n in names]
    label_col = next((lowered.index(n) for n in LABEL_NAMES if n in lowered and header), width - 1)
    y = values[:, label_col]
    x = np.delete(values, label_col, axis=1).astype(np.float32)
    features = tuple(n for j, n in enumerate(names) if j != label_col)
    whole = y == np.round(y)
    label = names[label_col]
    distinct = np.unique(y) if whole.all() else np.empty(0)
    target = header and label.lower() == VALUE_NAME and not classes_only
    if whole.all() and len(distinct) <= MAX_CLASSES and not target:
        if len(distinct) < 2:
            raise CsvError(
                f"{_where(where, None, label_col + 1, label)}: every label is {y[0]:g}, one class "
                "only: a classifier needs points of two classes or more"
            )
        index = np.searchsorted(distinct, y).astype(np.int64)
        return CsvData(where, x, index, features, label, "classification", tuple(distinct), digest)
    if classes_only:
        bad = int(np.argmin(whole)) if not whole.all() else 0
        why = (
            f"{y[bad]:g} is not a class (a whole number)"
            if not whole.all()
            else f"{len(distinct)} distinct labels are more than {MAX_CLASSES} classes"
        )
        raise CsvError(
            f"{_where(where, rows[bad], label_col + 1, label)}: {why}, and the loss needs "
            "classes; use --loss mse (auto) for a regression target"
        )
    return CsvData(
        where, x, y.astype(np.float32).reshape(-1, 1), features, label, "regression", (), digest
    )


def _cells(line: str, mark: str) -> list[str]:
    if '"' in line:  # quoted cells: the csv module's rules
        return next(csv.reader(io.StringIO(line), delimiter=mark))
    return line.split(mark)


def _is_row(line: str) -> bool:
    """A line with points on it: not blank, not a ``#`` comment."""
    return bool(line.strip()) and not line.lstrip().startswith("#")


class _RowNumbers:
    """Row ``i`` of the points (0 = the first after any header) as the file's line number: a
    text editor's row. Counted only when a sentence needs one."""

    def __init__(self, lines: list[str], skip: int) -> None:
        self.lines, self.skip = lines, skip
        self._numbers: list[int] | None = None

    def __getitem__(self, i: int) -> int:
        if self._numbers is None:
            self._numbers = [
                k + 1 for k in range(self.skip, len(self.lines)) if _is_row(self.lines[k])
            ]
        return self._numbers[i]


def _values(
    where: str,
    text: str,
    lines: list[str],
    skip: int,
    mark: str,
    width: int,
    names: list[str],
    max_rows: int,
) -> np.ndarray:
    """Every cell of the points as float64, rows × width, read by numpy's loader (C speed); a
    mistake is found again cell by cell to name its row and column."""
    try:
        with warnings.catch_warnings():
            # numpy says once that a blank line does not count towards max_rows: it is no row
            warnings.filterwarnings("ignore", "Input line", UserWarning)
            values = np.loadtxt(
                io.StringIO(text),
                delimiter=mark,
                skiprows=skip,
                comments="#",
                quotechar='"',
                ndmin=2,
                dtype=np.float64,
                max_rows=max_rows + 1,
                encoding=None,
            )
    except ValueError:
        _name_the_cell(where, lines, skip, mark, width, names)
        raise CsvError(f"{where}: a cell is not a number") from None  # numpy and float disagree
    if len(values) > max_rows:
        rest = sum(1 for k in range(skip, len(lines)) if _is_row(lines[k]))
        raise CsvError(
            f"{where} has {rest:,} rows, over the budget of {max_rows:,} rows for one run; use "
            "fewer rows"
        )
    if values.shape[1] != width:
        first = _RowNumbers(lines, skip)[0]
        raise CsvError(
            f"{where}, row {first}: {values.shape[1]} cell(s), but the first row has {width}"
        )
    finite = np.isfinite(values)
    if not finite.all():
        i, j = (int(k) for k in np.argwhere(~finite)[0])
        what = "NaN" if math.isnan(values[i, j]) else f"{values[i, j]:g}"
        raise CsvError(
            f"{_where(where, _RowNumbers(lines, skip)[i], j + 1, names[j])}: {what} is not a "
            "finite number; every cell must hold one"
        )
    return values


def _name_the_cell(
    where: str, lines: list[str], skip: int, mark: str, width: int, names: list[str]
) -> None:
    """Raise the sentence for the first row of the wrong length or cell that is not a number."""
    for k in range(skip, len(lines)):
        if not _is_row(lines[k]):
            continue
        cells = _cells(lines[k], mark)
        if len(cells) != width:
            raise CsvError(
                f"{where}, row {k + 1}: {len(cells)} cell(s), but the first row has {width}"
            )
        for j, cell in enumerate(cells):
            if _number(cell) is None:
                shown = repr(cell.strip()) if cell.strip() else "an empty cell"
                raise CsvError(f"{_where(where, k + 1, j + 1, names[j])}: {shown} is not a number")


_CACHE: dict[tuple[object, ...], CsvData] = {}


def read_csv_cached(
    path: str | os.PathLike[str], *, classes_only: bool = False, sha256: str | None = None
) -> CsvData:
    """``read_csv``, read again only when the file changed (its size or modification time):
    a run's check, its session and its worker each ask for the same file."""
    where = os.fspath(path)
    try:
        st = os.stat(where)
        key: tuple[object, ...] = (where, st.st_size, st.st_mtime_ns, classes_only, sha256)
    except OSError:
        return read_csv(where, classes_only=classes_only, sha256=sha256)  # its own sentence
    if key not in _CACHE:
        _CACHE.clear()  # one file at a time: the points of a big file are not kept twice
        _CACHE[key] = read_csv(where, classes_only=classes_only, sha256=sha256)
    return _CACHE[key]

"""The Data panel's points, without pygame: a teacher's own 2-D dataset drawn point by point.

Points are (x, y, label) in the data's own units: a class index for classification (0 = A,
1 = B, …), a target value for regression. The editor starts from the lab's current points, adds,
moves and erases them, jitters them by a stated σ, and says which split each point falls in (the
trainer's own shuffle, ``explorer.training.data.split_order``, with the lab's seed).

Apply goes the way ``--data`` goes: the points become a CSV's text, checked by the one CSV
checker (``read_csv_text``: a single class, too few points … are one sentence) before anything is
written; only then is the file written (atomically, named by its checksum, beside the saved
setups, so Ctrl+S keeps it beside the setup) and handed to the model, which validates the run and
retrains from its initialization. Nothing half-loaded reaches the trainer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer import setups
from explorer.app.ui import i18n
from explorer.atomic_write import write_text
from explorer.training import TrainConfig
from explorer.training.csv_data import read_csv_text, text_sha256
from explorer.training.data import split_order

MAX_POINTS = 2000  # a class drawn by hand; more is a file (--data)
SIGMAS = (0.02, 0.05, 0.1, 0.2)  # "add noise": a Gaussian jitter of this σ, in the data's units
SHARES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)  # the validation share offered
TARGETS = (-1.0, -0.5, 0.0, 0.5, 1.0)  # the regression target a click adds
HEADER_CLASSES = "x1,x2,label"
HEADER_TARGETS = "x1,x2,value"  # csv_data: a column headed value is a regression target
ROLES = ("train", "val", "test")


class NotPlanar(ValueError):
    """The lab's data has another number of features than 2: no plane to draw them on."""

    def __init__(self, dataset: str, features: int) -> None:
        super().__init__(f"{dataset} has {features} features; the Data panel draws 2")
        self.dataset, self.features = dataset, features


@dataclass
class PointsEditor:
    """The points being drawn (``xy`` (n, 2), ``labels`` (n,)), what a click adds (``label``),
    the jitter's σ, the validation share and the window the plot shows (``view``: x0, x1, y0,
    y1, fixed while editing so points do not jump)."""

    task: str  # "classification" or "regression"
    classes: int = 2
    xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0))
    label: float = 0.0
    sigma: float = 0.05
    val_fraction: float = 0.2
    test_fraction: float = 0.2
    seed: int = 0
    view: tuple[float, float, float, float] = (-1.5, 1.5, -1.5, 1.5)
    erasing: bool = False
    noise_round: int = 0  # each "add noise" draws new numbers (seeded: the same clicks, the same)

    # -- starting ---------------------------------------------------------------------------
    @classmethod
    def of_config(cls, config: TrainConfig, registry: object) -> PointsEditor:
        """The lab's current points (its dataset's, or its CSV's) when they are 2-D; else an
        empty classification plane. Raises ValueError (one sentence) for data that cannot be
        drawn on a plane."""
        from explorer.training.data import load_samples
        from explorer.training.session import lookup

        spec = lookup(config, registry).dataset  # type: ignore[arg-type]
        if spec.input_dim != 2:
            raise NotPlanar(spec.name, spec.input_dim)
        x, y = load_samples(spec, config.n, config.noise, config.seed)
        xy = x.double().numpy()
        labels = y.double().numpy().reshape(-1)
        editor = cls(
            task=spec.task,
            classes=max(2, spec.n_classes) if spec.task == "classification" else 0,
            xy=xy.copy(),
            labels=labels.copy(),
            val_fraction=config.val_fraction,
            test_fraction=config.test_fraction,
            seed=config.seed,
        )
        editor.view = _view_of(xy)
        if spec.task == "regression":
            editor.label = 0.5
        return editor

    # -- editing ----------------------------------------------------------------------------
    @property
    def count(self) -> int:
        return int(self.xy.shape[0])

    def add(self, x: float, y: float) -> bool:
        """A point of the current class (or target) at (x, y); False at the budget."""
        if self.count >= MAX_POINTS:
            return False
        self.xy = np.vstack([self.xy, [[x, y]]])
        self.labels = np.append(self.labels, self.label)
        return True

    def nearest(self, x: float, y: float, radius: float) -> int | None:
        """The point nearest (x, y) within ``radius`` (data units), or None."""
        if not self.count:
            return None
        d = np.hypot(self.xy[:, 0] - x, self.xy[:, 1] - y)
        i = int(np.argmin(d))
        return i if d[i] <= radius else None

    def move(self, i: int, x: float, y: float) -> None:
        self.xy[i] = (x, y)

    def erase(self, i: int) -> None:
        self.xy = np.delete(self.xy, i, axis=0)
        self.labels = np.delete(self.labels, i)

    def clear(self) -> None:
        self.xy, self.labels = np.zeros((0, 2)), np.zeros(0)

    def add_noise(self) -> None:
        """Every point moved by a Gaussian jitter of σ = ``sigma`` in each coordinate."""
        rng = np.random.default_rng([self.seed, self.noise_round])
        self.noise_round += 1
        self.xy = self.xy + rng.normal(0.0, self.sigma, self.xy.shape)

    def counts(self) -> dict[float, int]:
        """Points per class (classification)."""
        values, n = np.unique(self.labels, return_counts=True)
        return {float(v): int(k) for v, k in zip(values, n, strict=True)}

    # -- the split --------------------------------------------------------------------------
    def roles(self) -> np.ndarray:
        """Each point's split, 0 train, 1 validation, 2 test: the trainer's own shuffle and
        sizes with this seed and share (``load_splits``)."""
        total = self.count
        out = np.zeros(total, dtype=np.int64)
        if total == 0:
            return out
        order = split_order(total, self.seed).numpy()
        n_test = round(total * self.test_fraction)
        n_val = round(total * self.val_fraction)
        n_train = total - n_val - n_test
        out[order[n_train : n_train + n_val]] = 1
        out[order[n_train + n_val :]] = 2
        return out

    # -- applying ---------------------------------------------------------------------------
    def csv_text(self) -> str:
        """The points as a CSV, every number written so it reads back to the same float."""
        header = HEADER_CLASSES if self.task == "classification" else HEADER_TARGETS
        rows = [header]
        for (a, b), v in zip(self.xy.tolist(), self.labels.tolist(), strict=True):
            label = str(int(v)) if self.task == "classification" else repr(float(v))
            rows.append(f"{a!r},{b!r},{label}")
        return "\n".join(rows) + "\n"

    def write(self, config: TrainConfig, folder: Path | None = None) -> tuple[Path, str]:
        """Check the points as the CSV reader checks a file, then write them beside the saved
        setups as ``points-CHECKSUM.csv`` (the same points, the same file). (path, checksum);
        CsvError (one sentence) before anything is written."""
        text = self.csv_text()
        sha = text_sha256(text)
        path = (folder or setups.default_folder()) / f"points-{sha[:12]}.csv"
        read_csv_text(text, str(path.name), classes_only=config.loss == "ce")
        if not (path.is_file() and path.read_text(encoding="utf-8") == text):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text(path, text, "the points")
        return path, sha


def _view_of(xy: np.ndarray) -> tuple[float, float, float, float]:
    """A square window around the points with a margin (the plane ±1.5 when there are none)."""
    if not len(xy) or not np.isfinite(xy).all():
        return (-1.5, 1.5, -1.5, 1.5)
    low, high = xy.min(0), xy.max(0)
    centre = (low + high) / 2
    half = max(float((high - low).max()) / 2 * 1.15, 0.5)
    return (
        float(centre[0] - half),
        float(centre[0] + half),
        float(centre[1] - half),
        float(centre[1] + half),
    )


def apply_points(model, editor: PointsEditor, folder: Path | None = None) -> bool:
    """Hand the points to the lab as its dataset (the ``--data`` path) with the chosen split;
    the run restarts from its initialization. False (and the lab's message) when refused."""
    try:
        path, sha = editor.write(model.config, folder)
    except (ValueError, OSError) as exc:  # CsvError, or the folder cannot be written
        model.notify(str(exc), "error")
        return False
    share = editor.val_fraction
    if not model.set(data=str(path), data_sha256=sha, n=None, noise=None, val_fraction=share):
        return False
    model.notify(i18n.t("data.applied", n=editor.count, file=path.name))
    return True

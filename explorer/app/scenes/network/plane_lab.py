"""The Network lab's two comparisons that train nets of their own, without pygame: "Optimizers on
one plane" (``explorer.landscape.paths``: the lab's net trained from its initialization by its
optimizer and the one or two others the user picks, every path on one PCA plane) and "Between two minima"
(``explorer.landscape.connect``: the lab's net trained with two seeds, the line and the trained
curve between them).

Each runs in the job runner's worker (``explorer.training.jobs``, the one worker mechanism), says
how far it is (a share of the whole, so the bar has a known length), and can be cancelled. An
answer is shown only for the lab's net it was asked for: once the lab's setup changes (its
``version`` moves), the work under way is stopped and a picture already shown is put away, so
the lab never shows a stale picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from explorer.app.scenes.network.message_text import message_text
from explorer.app.ui.i18n import t
from explorer.landscape.paths import Note, Refusal
from explorer.training.jobs import JobContext, JobRunner, nothing

KEY = "planes"
PATH_STEPS = 300  # the case: 3 optimizers × 300 steps
NONE = "—"  # the second chooser's "no third optimizer"
GRID = 64
OTHERS = 3
CURVE_STEPS = 400
# (optimizer, hyperparameters) offered beside the lab's own, in this order
DEFAULTS: tuple[tuple[str, dict[str, float]], ...] = (
    ("sgd", {"lr": 0.1}),
    ("momentum", {"lr": 0.05}),
    ("adam", {"lr": 0.001}),
)
# each phase of "Optimizers on one plane": (where it starts, its share of the whole), measured
# on the digits 8×32 net (``bench paths``)
PHASES = {"training": (0.0, 0.5), "map": (0.5, 0.35), "others": (0.85, 0.15)}


class Cancelled(Exception):
    """The lab asked the job to stop (Cancel, or the lab's net changed)."""


def spec_text(name: str, hyper: dict[str, float]) -> str:
    """``sgd:lr=0.1``: how the paths are labelled (the command's ``--optimizer`` form)."""
    return name + (":" + ",".join(f"{k}={v:g}" for k, v in hyper.items()) if hyper else "")


def default_others(own: str, known: Any) -> list[str]:
    """The two optimizers trained beside the lab's own until the user picks others: the first
    names of ``DEFAULTS`` that are not the lab's own."""
    return [n for n, _ in DEFAULTS if n != own and n in known][:2]


def lab_optimizers(
    config: Any, known: Any, others: list[str] | None = None
) -> list[tuple[str, str, dict[str, float]]]:
    """The lab's own optimizer with its settings first, then ``others`` (``NONE``: no one; None:
    ``default_others``), each at the rate of ``DEFAULTS`` or else its plugin's default rate:
    ``(label, name, hyper)``. The lab's own name among the others is the same optimizer at
    that other rate; a path identical to one before it (same name, same settings) is left out.
    ``known``: the registry's optimizers (name -> spec)."""
    names = default_others(config.optimizer, known) if others is None else others
    rates = dict(DEFAULTS)
    chosen = [(config.optimizer, dict(config.optimizer_hyper))]
    for n in names:
        if n in known:
            hyper = known[n].hyper
            rate = rates.get(n) or ({"lr": hyper["lr"].default} if "lr" in hyper else {})
            chosen.append((n, dict(rate)))
    out: list[tuple[str, str, dict[str, float]]] = []
    for n, h in chosen:
        if spec_text(n, h) not in [label for label, *_ in out]:
            out.append((spec_text(n, h), n, h))
    return out


def _checked(ctx: JobContext) -> None:
    if ctx.cancelled():
        raise Cancelled("cancelled")


def paths_job(ctx: JobContext, config: Any, optimizers: list) -> Any:
    """The worker's side of "Optimizers on one plane": the result without the recorded weights
    (the picture needs the coordinates and figures only: the answer stays small), or the note
    that says why not (worded in the lab's language by ``poll``)."""
    from explorer.landscape.paths import compare_on_plane

    def progress(phase: str, done: int, total: int) -> None:
        _checked(ctx)
        start, share = PHASES[phase]
        ctx.progress(int(1000 * (start + share * done / max(1, total))), 1000)

    try:
        result = compare_on_plane(
            config,
            optimizers,
            ctx.registry,
            plane="pca",
            side=GRID,
            others=OTHERS,
            progress=progress,
        )
    except Refusal as exc:
        return exc.note
    for p in result.paths:
        p.path.points, p.path.buffers = p.path.points[:0], {}
    return result


def connect_job(ctx: JobContext, config: Any) -> Any:
    """The worker's side of "Between two minima": the lab's seed and the next (or the note
    that says why not)."""
    from explorer.landscape.connect import connect

    def progress(share: float) -> None:
        _checked(ctx)
        ctx.progress(int(1000 * share), 1000)

    seeds = (config.seed, config.seed + 1)
    try:
        return connect(config, ctx.registry, seeds, steps=CURVE_STEPS, progress=progress)
    except Refusal as exc:
        return exc.note


@dataclass
class Shown:
    kind: str  # "paths" or "connect"
    value: Any  # a PlaneResult or a Connection
    colours: list[int]  # per path: its optimizer's colour index (paths)


class PlaneLab:
    """The lab's comparisons: at most one under way (``busy``), its ``progress`` and the
    ``shown`` picture; ``poll`` takes answers in and drops what no longer fits the lab."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.runner: JobRunner | None = None
        self.kind = ""  # what is under way ("" : nothing)
        self.version = -1  # the lab's version it was asked for
        self.job = -1
        self.shown: Shown | None = None
        self._colours: list[int] = []
        self.others: list[str] | None = None  # the two beside the lab's own (None: the defaults)

    def chosen(self) -> list[str]:
        """The two optimizers (the second may be ``NONE``) trained beside the lab's own."""
        m = self.model
        if self.others is not None:
            return list(self.others)
        picked = default_others(m.config.optimizer, m.registry.optimizers)
        return (picked + [NONE, NONE])[:2]

    def choose(self, slot: int, name: str) -> None:
        """The user's pick in chooser ``slot`` (0 or 1); the next press trains it."""
        others = self.chosen()
        others[slot] = name
        self.others = others

    def optimizers(self, config: Any) -> list[tuple[str, str, dict[str, float]]]:
        """``(label, name, hyper)`` of every path the next press trains, the lab's own first."""
        return lab_optimizers(config, self.model.registry.optimizers, self.chosen())

    @property
    def busy(self) -> bool:
        return bool(self.kind)

    def start(self, kind: str) -> None:
        """Ask for ``kind`` ("paths" or "connect") of the lab's net A as it is set up now."""
        m = self.model
        if self.busy:
            m.notify(t("planes.lab_busy"), "error")
            return
        m.pause()
        config = m.config.replace(device="cpu")
        if self.runner is None:
            self.runner = JobRunner(m.registry, backend=m.backend, owner="network")
        if kind == "paths":
            chosen = self.optimizers(config)
            order = list(m.registry.optimizers)
            self._colours = [
                order.index(n) if n in order else i for i, (_, n, _) in enumerate(chosen)
            ]
            config = config.replace(steps=PATH_STEPS)
            self.job = self.runner.submit(KEY, paths_job, config, chosen)
        else:
            self.job = self.runner.submit(KEY, connect_job, config)
        self.kind, self.version, self.shown = kind, m.version, None

    def cancel(self, said: str = "planes.lab_cancelled") -> None:
        """Stop the work under way (the job sees it at its next word of progress)."""
        if not self.busy or self.runner is None:
            return
        self.runner.submit(KEY, nothing)
        self.kind = ""
        self.model.notify(t(said))

    def close_picture(self) -> None:
        self.shown = None

    def progress(self) -> tuple[str, float] | None:
        """What is under way and how much of it is done (0 to 1); None when nothing is."""
        if not self.busy or self.runner is None:
            return None
        done, total = self.runner.progress(KEY) or (0, 1)
        share = done / max(1, total)
        if self.kind == "connect":
            return t("planes.lab_connect_training", share=f"{share:.0%}"), share
        if share < PHASES["map"][0]:
            return t("planes.lab_training", n=len(self._colours), share=f"{share:.0%}"), share
        if share < PHASES["others"][0]:
            return t("planes.lab_map", share=f"{share:.0%}"), share
        return t("planes.lab_others", share=f"{share:.0%}"), share

    def poll(self) -> None:
        """Take the answer in when it came; drop the work and the picture once the lab's net
        changed (its version moved)."""
        m = self.model
        if self.shown is not None and self.version != m.version:
            self.shown = None
        if not self.busy or self.runner is None:
            return
        if self.version != m.version:
            self.cancel("planes.lab_dropped")
            return
        answer = self.runner.result(KEY)
        if answer is None or answer.job != self.job:
            return
        kind, self.kind = self.kind, ""
        if answer.error or isinstance(answer.value, Note):
            why = answer.error or answer.value.word(t, message=message_text)
            m.notify(t("planes.lab_failed", why=why), "error")
            return
        self.shown = Shown(kind, answer.value, self._colours)
        if kind == "paths":
            m.notify(t("planes.lab_ready"))
        else:
            c = answer.value
            line, curve = f"{c.line_barrier:.4g}", f"{c.curve_barrier:.4g}"
            m.notify(t("planes.lab_connect_ready", line=line, curve=curve))

    def wait(self, timeout: float = 120.0) -> None:
        """Block until the work under way has answered (tests, headless rendering)."""
        if self.busy and self.runner is not None:
            self.runner.wait(KEY, timeout)
        self.poll()

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
            self.runner = None
        self.kind = ""

"""The Activation scene's two small nets (a ReLU one and a Maxout one), trained in a daemon thread
with the real backend so the UI never waits; the newest job's results win."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from explorer.training import TrainConfig, TrainingSession
from explorer.training.maxout_pieces import MaxoutPieces, read_pieces
from explorer.training.relu_regions import ReluNet, read_net

DATASET = "moons"
MAXOUT_CONFIG = TrainConfig(
    dataset=DATASET, depth=1, width=4, activation="maxout", pieces=3, optimizer="adam",
    optimizer_hyper={"lr": 0.02}, epochs=40, seed=0, device="cpu",
)  # fmt: skip
RELU_CONFIG = TrainConfig(
    dataset=DATASET, depth=2, width=6, activation="relu", optimizer="adam",
    optimizer_hyper={"lr": 0.02}, epochs=40, seed=0, device="cpu",
)  # fmt: skip


@dataclass(frozen=True)
class Results:
    """What one job produced so far (a net is None until trained, or when it failed)."""

    job: int = 0
    relu: ReluNet | None = None
    maxout: MaxoutPieces | None = None
    relu_error: str = ""
    maxout_error: str = ""
    done: bool = False


def pick_dataset(registry) -> str:
    """moons, or else any 2-input classification dataset that is registered."""
    usable = [
        name
        for name, spec in registry.datasets.items()
        if spec.task == "classification" and getattr(spec, "input_dim", 2) == 2
    ]
    return DATASET if DATASET in usable or not usable else usable[0]


class BackgroundTrainer:
    def __init__(self, registry) -> None:
        self.registry = registry
        self.dataset = pick_dataset(registry)
        self._cond = threading.Condition()
        self._job = 0
        self._closed = False
        self._threads: list[threading.Thread] = []
        self.results = Results()

    def start(self, seed: int, pieces: int) -> None:
        with self._cond:
            self._job += 1
            job = self._job
            self.results = Results(job)
        thread = threading.Thread(
            target=self._run, args=(job, seed, pieces), daemon=True, name="activation-nets"
        )
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _cancelled(self, job: int) -> bool:
        return self._closed or job != self._job

    def _publish(self, job: int, **changes) -> None:
        with self._cond:
            if job == self._job:
                self.results = Results(**{**self.results.__dict__, **changes})
            self._cond.notify_all()

    def _train(self, config: TrainConfig, job: int) -> TrainingSession | None:
        session = TrainingSession(config, self.registry)
        while not session.done:
            if self._cancelled(job):
                return None
            session.run_epochs(1)
        return session

    def _run(self, job: int, seed: int, pieces: int) -> None:
        try:
            for name, base in (("relu", RELU_CONFIG), ("maxout", MAXOUT_CONFIG)):
                config = base.replace(seed=seed, dataset=self.dataset)
                if name == "maxout":
                    config = config.replace(pieces=pieces)
                try:
                    session = self._train(config, job)
                    if session is None:
                        return
                    reader = read_net if name == "relu" else read_pieces
                    self._publish(job, **{name: reader(session, seed)})
                except Exception as exc:  # noqa: BLE001 - a missing plugin, a failing dataset
                    self._publish(job, **{f"{name}_error": f"could not train this net: {exc}"})
        finally:
            self._publish(job, done=True)

    @property
    def ready(self) -> bool:
        return self.results.done

    def wait(self, timeout: float = 30.0) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self.results.done or self._closed, timeout)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._job += 1
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=5.0)
        self._threads = []

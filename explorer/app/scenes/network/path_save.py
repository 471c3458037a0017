"""The "Landscape of this net" button, without pygame: net A's worker writes its weights' path
so far as a run file, the plane of a ``net:DATASET?run=ID`` surface through its weights now
(``TrainingSession.save_path``), and the lab learns from the snapshots when it is written."""

from __future__ import annotations

import uuid

from explorer.app.ui import i18n
from explorer.training import Snapshot, Trainer


class PathSave:
    """At most one path being saved: the command's number, the file, the surface it makes and
    the lab's version (a restart drops it)."""

    def __init__(self) -> None:
        self._saving: tuple[int, str, str, int] | None = None

    @property
    def pending(self) -> bool:
        return self._saving is not None

    def start(self, trainer: Trainer, dataset: str, version: int) -> str:
        """Ask ``trainer``'s worker to write the run file; returns what the lab says meanwhile."""
        from explorer.training.weight_path import runs_dir

        run_id = uuid.uuid4().hex[:10]
        file = str(runs_dir() / f"{run_id}.pt")
        number = trainer.save_path(file)
        self._saving = (number, file, f"net:{dataset}?run={run_id}", version)
        return i18n.t("network.landscape_saving")

    def outcome(
        self, snap: Snapshot | None, alive: bool, version: int
    ) -> tuple[str, str, str] | None:
        """None while the worker writes (or nothing was asked); then ``(surface, file, said)``,
        or ``("", why, why)`` when nothing was written."""
        if self._saving is None:
            return None
        number, file, surface, asked_at = self._saving
        if asked_at != version or snap is None:
            self._saving = None
            why = i18n.t("network.landscape_restarted")
            return "", why, why
        if snap.ack < number:
            if snap.state == "error" or not alive:
                self._saving = None
                why = snap.message or i18n.t("network.landscape_failed")
                return "", why, why
            return None
        self._saving = None
        if snap.path_file != file:
            why = snap.path_note or i18n.t("network.landscape_failed")
            return "", why, why
        a, b = snap.path_explained or (float("nan"), float("nan"))
        said = i18n.t("network.landscape_saved", n=len(snap.path_xy), a=f"{a:.0%}", b=f"{b:.0%}")
        return surface, file, said

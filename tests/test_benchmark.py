"""``dl-explorer benchmark``: suites refused by name, every knob tuned, the same numbers whatever
the workers, engine or interruption, a trial that fails failing alone."""

import dataclasses
import json
import time

import pytest
from click.testing import CliRunner

from explorer import Hyper, UpdateRule
from explorer.benchmark import tasks as T
from explorer.benchmark.report import profiles
from explorer.benchmark.runner import StoreError, check_store, run_benchmark
from explorer.benchmark.study import Job, run_job
from explorer.benchmark.suite import SuiteError, load_suite, parse_suite
from explorer.cli import main
from explorer.plugins import optimizer_spec

TINY = {
    "name": "tiny",
    "tasks": {
        "valley": {"steps": 60, "target": 1e-3},
        "moons_mlp": {"steps": 20, "target": 0.8},
    },
}


@pytest.fixture
def tiny(registry):
    return parse_suite(TINY, "tiny", registry)


def _numbers(results):
    """The results without wall-clock seconds (the only thing a machine may change)."""
    out = json.loads(json.dumps(results))
    for r in out:
        for s in r.get("seeds", []):
            s.pop("seconds", None)
    return out


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[tasks.valey]\n", "unknown task 'valey' (did you mean 'valley'?)"),
        ("[tasks.valley]\nstep = 3\n", "unknown key 'step' (did you mean 'steps'?)"),
        ("[tasks.moons_mlp]\ntarget = 95\n", "target is a test accuracy"),
        ("[tasks.valley]\ntarget = nan\n", "target must be a finite number"),
        ('[tasks.mine]\nsurface = "bowll"\ntarget = 1\nsteps = 9\n', "unknown surface 'bowll'"),
        ('[tasks.mine]\nsurface = "bowl"\n', "needs a target"),
        ('titel = "x"\n[tasks.valley]\n', "unknown key 'titel'"),
        ("name = 'x'\n", "has no tasks"),
        ("[tasks\n", "is not valid TOML"),
    ],
)
def test_a_suite_file_is_refused_by_name(registry, tmp_path, text, fragment):
    path = tmp_path / "suite.toml"
    path.write_text(text)
    with pytest.raises(SuiteError, match=None) as err:
        load_suite(str(path), registry)
    assert fragment in str(err.value)
    result = CliRunner().invoke(main, ["benchmark", "sgd", "--suite", str(path)])
    assert result.exit_code == 1 and fragment in result.output and "Traceback" not in result.output


def test_the_built_in_suites_load_and_a_task_of_your_own_runs(registry, tmp_path):
    classroom, lecture = load_suite("classroom", registry), load_suite("lecture", registry)
    assert {t.name for t in classroom.tasks} < {t.name for t in lecture.tasks}
    kinds = {t.kind for t in classroom.tasks}
    assert kinds == {"surface", "net"}
    path = tmp_path / "mine.toml"
    path.write_text('[tasks.beale]\nsurface = "beale"\ntarget = 1e-2\nsteps = 40\n')
    (task,) = load_suite(str(path), registry).tasks
    outcome = T.run(task, registry, "adam", {"lr": 0.1}, seed=0)
    assert outcome.status in ("reached", "short") and outcome.final < 33.0  # went downhill


def test_every_declared_knob_is_tuned_on_its_own_range(registry, tiny):
    job = Job("adam", "valley", tiny, 4, 1, 0, None, 60.0)
    record = run_job(job, registry)
    spec = registry.optimizer("adam")
    assert len(record["trials"]) == 4
    for trial in record["trials"]:
        assert set(trial["params"]) == set(spec.hyper)
        for name, value in trial["params"].items():
            assert spec.hyper[name].low <= value <= spec.hyper[name].high
    assert record["best"] in [t["params"] for t in record["trials"]]
    assert len(record["seeds"]) == 1 and record["sensitivity"]["lr"]


class RaisesFast(UpdateRule):
    """Raises when the rate is large: those trials fail, the study goes on."""

    name = "raises_fast"
    hyper = {"lr": Hyper(0.01, 1e-4, 1.0, log=True)}

    def update(self, grad, state, param, *, lr):
        if lr > 0.01:
            raise RuntimeError("too fast for me")
        return -lr * grad


class HangsFast(UpdateRule):
    """Sleeps past the step budget on its second step when the rate is large."""

    name = "hangs_fast"
    hyper = {"lr": Hyper(0.01, 1e-4, 1.0, log=True)}

    def init(self, param):
        return {"t": 0}

    def update(self, grad, state, param, *, lr):
        state["t"] += 1
        if lr > 0.01 and state["t"] == 2:
            time.sleep(30)
        return -lr * grad


def test_a_trial_that_hangs_fails_alone(registry, tiny):
    mine = dataclasses.replace(
        registry, optimizers={**registry.optimizers, "hangs_fast": optimizer_spec(HangsFast)}
    )
    record = run_job(Job("hangs_fast", "valley", tiny, 5, 1, 0, None, 60.0), mine)
    failed = [t for t in record["trials"] if t["failed"]]
    assert len(record["trials"]) == 5 and failed and len(failed) < 5
    assert all("longer than" in t["failed"] for t in failed)


def test_a_trial_that_raises_fails_alone(registry, tiny):
    mine = dataclasses.replace(
        registry, optimizers={**registry.optimizers, "raises_fast": optimizer_spec(RaisesFast)}
    )
    record = run_job(Job("raises_fast", "valley", tiny, 6, 1, 0, None, 60.0), mine)
    failed = [t for t in record["trials"] if t["failed"]]
    assert len(record["trials"]) == 6 and failed and len(failed) < 6
    assert all("too fast for me" in t["failed"] for t in failed)
    assert record["best"]["lr"] <= 0.01


@pytest.mark.slow
def test_a_stored_study_resumes_to_the_same_numbers(registry, tiny, tmp_path, monkeypatch):
    fresh = run_job(Job("momentum", "valley", tiny, 4, 2, 0, None, 60.0, False), registry)
    url = f"sqlite:///{tmp_path / 'bench.sqlite'}"
    calls = {"n": 0}
    real = T.run

    def stops_on_the_fourth(*args, **kw):
        calls["n"] += 1
        if calls["n"] == 4:  # the user's Ctrl-C (not a plugin raising KeyboardInterrupt)
            monkeypatch.setattr("explorer.plugins._user_pressed_ctrl_c", True)
            raise KeyboardInterrupt
        return real(*args, **kw)

    monkeypatch.setattr("explorer.benchmark.study.run", stops_on_the_fourth)
    job = Job("momentum", "valley", tiny, 4, 2, 0, url, 60.0, False)
    with pytest.raises(KeyboardInterrupt):
        run_job(job, registry)
    monkeypatch.setattr("explorer.benchmark.study.run", real)
    monkeypatch.setattr("explorer.plugins._user_pressed_ctrl_c", False)
    resumed = run_job(job, registry)
    assert _numbers([resumed]) == _numbers([fresh])


def test_a_store_from_another_suite_is_refused_by_name(registry, tiny, tmp_path):
    url = f"sqlite:///{tmp_path / 'bench.sqlite'}"
    check_store(url, tiny)
    check_store(url, tiny)  # the same suite: fine
    other = parse_suite(TINY | {"name": "other"}, "other", registry)
    with pytest.raises(StoreError, match="holds suite 'tiny', not suite 'other'"):
        check_store(url, other)
    changed = parse_suite(
        {"name": "tiny", "tasks": {"valley": {"steps": 61, "target": 1e-3}}}, "x", registry
    )
    with pytest.raises(StoreError, match="its tasks or targets have changed"):
        check_store(url, changed)


def test_profiles_count_the_tasks_within_tau_of_the_best():
    rows = [
        {"task": "a", "optimizer": "x", "steps_to_target": 10.0},
        {"task": "a", "optimizer": "y", "steps_to_target": 30.0},
        {"task": "b", "optimizer": "x", "steps_to_target": None},
        {"task": "b", "optimizer": "y", "steps_to_target": 5.0},
    ]
    prof = profiles(rows, ["x", "y"])
    at = {tau: i for i, tau in enumerate(prof["tau"])}
    assert prof["rho"]["x"][at[1.0]] == 0.5 and prof["rho"]["x"][at[4.0]] == 0.5
    assert prof["rho"]["y"][at[1.0]] == 0.5 and prof["rho"]["y"][at[3.0]] == 1.0
    assert prof["score"]["x"] == pytest.approx(0.5)
    assert prof["score"]["y"] == pytest.approx(0.5 + 0.5 * (4 - 3) / 3, abs=0.01)


@pytest.mark.slow
def test_the_same_numbers_whatever_the_number_of_workers(registry, tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("DL_EXPLORER_BENCHMARK", str(tmp_path / "latest.json"))
    here = [
        run_job(Job(o, t.name, tiny, 3, 2, 0, None, 60.0), registry)
        for o in ("sgd", "momentum")
        for t in tiny.tasks
    ]
    two = run_benchmark(["sgd", "momentum"], tiny, registry, budget=3, seeds=2, workers=2)
    assert _numbers(two["results"]) == _numbers(here)
    result = CliRunner().invoke(
        main,
        [
            "benchmark",
            "sgd",
            "momentum",
            "--suite",
            _tiny_file(tmp_path),
            "--budget",
            "3",
            "--seeds",
            "2",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "tuned with 3 trials" in result.output and "performance profile" in result.output
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert _numbers(written["results"]) == _numbers(here)
    for name in ("tasks.csv", "profiles.csv", "profiles.png", "sensitivity.png"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    assert (tmp_path / "latest.json").read_text() == (tmp_path / "out/results.json").read_text()


def _tiny_file(tmp_path):
    path = tmp_path / "tiny.toml"
    lines = ['name = "tiny"']
    for name, table in TINY["tasks"].items():
        lines += [f"[tasks.{name}]", *(f"{k} = {v!r}" for k, v in table.items())]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.slow
def test_a_local_ray_instance_gives_the_same_numbers(registry, tiny):
    ray = pytest.importorskip("ray")
    here = [run_job(Job("sgd", t.name, tiny, 2, 1, 0, None, 60.0), registry) for t in tiny.tasks]
    try:
        remote = run_benchmark(["sgd"], tiny, registry, budget=2, seeds=1, ray="local")
    finally:
        ray.shutdown()
    assert _numbers(remote["results"]) == _numbers(here)

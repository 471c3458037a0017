"""``plugins show NAME``: one registered thing explained — its equation, hyperparameters (slider
range and the values the maths allows), the state it keeps and how the landscape draws it, and
where it comes from (plugin, file and line)."""

from __future__ import annotations

import inspect
from typing import Any

import torch
from rich.table import Table

from explorer.plugins import KINDS, Registry, UnknownName
from explorer.specs import OptimizerSpec
from explorer.step_budget import budget


def source_of(obj: Any) -> str:
    """``path/to/file.py:12`` for a class or function, or its module when no file is known."""
    try:
        path = inspect.getsourcefile(obj)
        line = inspect.getsourcelines(obj)[1]
    except (TypeError, OSError):
        return getattr(obj, "__module__", "?")
    return f"{path}:{line}" if path else getattr(obj, "__module__", "?")


def state_of(spec: OptimizerSpec) -> list[tuple[str, str, str]]:
    """(name, shape, drawn as) for each state entry after one step on a 2-element parameter."""
    p = torch.tensor([0.5, -0.3], dtype=torch.float64, requires_grad=True)
    with budget(first=True):  # a step that sleeps or loops: said in the state table, not a hang
        opt = spec.make([p])
        p.grad = torch.tensor([0.2, -0.1], dtype=torch.float64)
        opt.step()
    arrows, accs = inferred_drawing(spec, opt.state[p], p)
    rows = []
    for key, value in opt.state[p].items():
        shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
        if key in arrows:
            how = f"arrow, labelled {arrows[key]!r}" + ("" if key in spec.arrows else " (inferred)")
        elif key in accs:
            how = f"per-coordinate glyph, labelled {accs[key]!r}"
        else:
            how = (
                "a number in the panel"
                if not isinstance(value, torch.Tensor) or value.numel() == 1
                else "not drawn"
            )
        rows.append((key, str(shape), how))
    return rows


def inferred_drawing(
    spec: OptimizerSpec, state: dict, param: torch.Tensor
) -> tuple[dict[str, str], dict[str, str]]:
    """The arrows and accumulators to draw: the declared ones; for an optimizer that declares
    none (a third-party torch class), every state tensor shaped like the parameter is an arrow."""
    if spec.arrows or spec.accumulators:
        return dict(spec.arrows), dict(spec.accumulators)
    arrows = {
        k: k
        for k, v in state.items()
        if isinstance(v, torch.Tensor) and v.shape == param.shape and v.is_floating_point()
    }
    return arrows, {}


def describe_optimizer(spec: OptimizerSpec) -> list[Any]:
    where = source_of(spec.rule if spec.rule is not None else spec.optimizer_class)
    kind = (
        "UpdateRule"
        if spec.rule is not None
        else f"torch.optim.Optimizer ({spec.optimizer_class.__module__}.{spec.optimizer_class.__name__})"
    )
    head = (
        f"[bold]optimizer {spec.name!r}[/bold]\n"
        f"  plugin: {spec.plugin}\n  file:   {where}\n  kind:   {kind}\n\n"
        f"[bold]equation[/bold]\n  " + (spec.doc or "(no docstring)").replace("\n", "\n  ")
    )
    hyper = Table(title="hyperparameters")
    for col in ("name", "default", "slider range", "allowed", "about"):
        hyper.add_column(col)
    for k, h in spec.hyper.items():
        rng = (
            f"{h.low:g} … {h.high:g}"
            + (" (log)" if h.log else "")
            + (" (whole)" if h.integer else "")
        )
        hyper.add_row(k, f"{h.default:g}", rng, h.law, h.help)
    for arg, parts in spec.tuples.items():
        hyper.caption = f"{arg} = ({', '.join(parts)})"
    state = Table(title="state per parameter tensor (after one step)")
    for col in ("name", "shape", "drawn as"):
        state.add_column(col)
    try:
        for row in state_of(spec):
            state.add_row(*row)
    except Exception as exc:  # noqa: BLE001 - the plugin's failure is part of what it shows
        state.add_row("?", "?", f"one step raised {type(exc).__name__}: {exc}")
    return [head, hyper, state]


def describe_thing(registry: Registry, name: str) -> list[Any]:
    if name in registry.optimizers:
        return describe_optimizer(registry.optimizers[name])
    for kind in KINDS[1:]:
        table = getattr(registry, kind)
        if name in table:
            spec = table[name]
            obj = (
                getattr(spec, "fn", None)
                or getattr(spec, "factory", None)
                or getattr(spec, "loader", None)
            )
            text = getattr(spec, "formula", "") or getattr(spec, "doc", "")
            lines = [
                f"[bold]{kind[:-1]} {name!r}[/bold]",
                f"  plugin: {spec.plugin}",
                f"  file:   {source_of(obj) if obj is not None else '?'}",
                f"  {text}",
            ]
            out: list[Any] = ["\n".join(lines)]
            hypers = getattr(spec, "hyper", {})
            if hypers:
                t = Table(title="hyperparameters")
                for col in ("name", "default", "slider range", "allowed"):
                    t.add_column(col)
                for k, h in hypers.items():
                    t.add_row(k, f"{h.default:g}", f"{h.low:g} … {h.high:g}", h.law)
                out.append(t)
            return out
    every = [n for kind in KINDS for n in getattr(registry, kind)]
    import difflib

    close = difflib.get_close_matches(name, every, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UnknownName(f"Nothing is registered as {name!r}.{hint} `dl-explorer plugins` lists all.")

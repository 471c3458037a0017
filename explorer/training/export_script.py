"""A training run written out as one plain PyTorch script (``train --export-script run.py``).

The script needs torch alone (numpy for a CSV, scikit-learn for the digits) and nothing of this
project, and reproduces the run: the same samples and split, the same network (its layers named
as the lab names them, so the two state dicts compare key by key), the same initial weights drawn
from the same seeded generators, the same mini-batches and dropout masks, the optimizer as its
``torch.optim`` twin and the schedule as the plugin's own few lines of ``lr_scheduler``. A run the
script cannot reproduce with plain torch is refused with one sentence (an optimizer or activation
without a torch twin, a plugin schedule that needs more than ``lr_scheduler``).

Everything here writes text; what the text does is checked by tests/test_export_script.py, which
runs the script and compares its final weights and losses with the lab's.
"""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import torch

from explorer.atomic_write import write_text
from explorer.training.config import TrainConfig
from explorer.training.data import load_samples
from explorer.training.model import make_activation, resolve_init
from explorer.training.session import Plugins, check_config

# The optimizers whose update is torch.optim's, term for term: (class, {torch argument: how to
# get it from the lab's knobs}). The lab's own rules follow torch's single-tensor formulas.
TWINS: dict[str, tuple[str, str]] = {
    "sgd": ("SGD", "lr={lr!r}"),
    "momentum": ("SGD", "lr={lr!r}, momentum={beta!r}"),
    "nesterov": ("SGD", "lr={lr!r}, momentum={beta!r}, nesterov=True"),
    "adagrad": ("Adagrad", "lr={lr!r}, eps={eps!r}"),
    "rmsprop": ("RMSprop", "lr={lr!r}, alpha={alpha!r}, eps={eps!r}"),
    "adam": ("Adam", "lr={lr!r}, betas=({beta1!r}, {beta2!r}), eps={eps!r}"),
    "adamw": (
        "AdamW",
        "lr={lr!r}, betas=({beta1!r}, {beta2!r}), eps={eps!r}, weight_decay={weight_decay!r}",
    ),
}
BUILTIN = "builtin/"
EMBED_LIMIT = 2_000_000  # numbers a script may carry as literals (a larger dataset is refused)


class ExportError(ValueError):
    """What the script cannot reproduce, in one sentence."""


def export_script(config: TrainConfig, registry: Any = None, command: str = "") -> str:
    """The text of a self-contained script that trains ``config`` as the lab does. ``command``:
    the command line it came from, quoted in the script's docstring."""
    plugins = check_config(config, registry)
    parts = [
        _header(config, plugins, command),
        _data(config, plugins),
        _split(config, plugins),
        _model(config, plugins),
        _init(config, plugins),
        _optimizer(config, plugins),
        _loop(config),
    ]
    return "\n\n".join(textwrap.dedent(p).strip("\n") for p in parts) + "\n"


def write_script(
    path: str | Path, config: TrainConfig, registry: Any = None, command: str = ""
) -> Path:
    """``export_script`` written atomically to ``path``."""
    text = export_script(config, registry, command)
    path = Path(path)
    write_text(path, text, "the script")
    return path


def _header(config: TrainConfig, plugins: Plugins, command: str) -> str:
    what = f"{config.depth} × {config.width} {config.activation} net"
    ran = f" (`{command}`)" if command else ""
    return f'''
        """{plugins.dataset.name}: a {what}, {config.optimizer}, seed {config.seed}.

        A DL Explorer training runRUN written out in plain PyTorch: `python THIS_FILE
        [weights.pt]` trains the same net again with the same numbers (on the CPU, one thread).
        Given a file name it saves the final weights and losses there with torch.save.
        """

        import math
        import sys

        import torch
        from torch import nn
        from torch.nn import functional as F
        from torch.optim import lr_scheduler as S

        torch.set_num_threads(1)  # one thread: the same arithmetic, in the same order, every run
        SEED = {config.seed}


        def seed_of(stream):
            """An independent generator seed per random stream (init 1, dropout 2, batches 3)."""
            return (SEED * 1_000_003 + stream * 7919) % 2**63
        '''.replace("RUN", ran)


def _floats(values: np.ndarray) -> str:
    """Numbers as exact Python literals (a float32's own double value: nothing rounds twice)."""
    return ", ".join(repr(float(v)) for v in values.reshape(-1))


def _data(config: TrainConfig, plugins: Plugins) -> str:
    spec = plugins.dataset
    if spec.plugin == "csv":
        return _csv_data(config, plugins)
    if spec.name == "digits" and spec.plugin.startswith(BUILTIN):
        n = spec.default_n if config.n is None else config.n
        noise = spec.default_noise if config.noise is None else config.noise
        drawn = ""
        if n < spec.default_n or noise:  # the loader's own draw: a subset, pixel noise
            drawn = f"""
            g = torch.Generator().manual_seed({config.seed})
            keep = torch.randperm(len(X), generator=g)[:{n}] if {n} < len(X) else slice(None)
            X = X[keep] + {float(noise)!r} * torch.randn(X[keep].shape, generator=g)
            Y = Y[keep]"""
        return f"""
            # -- data: scikit-learn's 8×8 digits, raw pixels 0..16 ---------------------------------
            from sklearn.datasets import load_digits

            pixels, labels = load_digits(return_X_y=True)
            X = torch.tensor(pixels, dtype=torch.float32)
            Y = torch.tensor(labels, dtype=torch.long){drawn}
            """
    x, y = load_samples(spec, config.n, config.noise, config.seed)
    if x.numel() + y.numel() > EMBED_LIMIT:
        raise ExportError(
            f"dataset {spec.name!r} has {x.numel():,} numbers, too many to write into a script; "
            "export a smaller --n"
        )
    shape = f"{x.shape[0]}, {x.shape[1]}"
    if spec.task == "classification":
        labels = f"torch.tensor([{', '.join(str(int(v)) for v in y.tolist())}], dtype=torch.long)"
    else:
        labels = f"torch.tensor([{_floats(y.numpy())}], dtype=torch.float32).reshape(-1, 1)"
    return f"""
        # -- data: the {x.shape[0]} samples of {spec.name!r} (seed {config.seed}), as the lab drew them ---------
        X = torch.tensor([{_floats(x.numpy())}], dtype=torch.float32).reshape({shape})
        Y = {labels}
        """


def _csv_data(config: TrainConfig, plugins: Plugins) -> str:
    from explorer.training.csv_data import read_csv_cached

    assert config.data is not None
    data = read_csv_cached(config.data, classes_only=config.loss == "ce", sha256=config.data_sha256)
    text = Path(config.data).read_text(encoding="utf-8-sig")
    first = next(
        i
        for i, line in enumerate(text.splitlines())
        if line.strip() and not line.lstrip().startswith("#")
    )
    line = text.splitlines()[first]
    mark = next((m for m in (",", "\t", ";") if m in line), ",")
    names = [c.strip() for c in line.split(mark)]
    header = any(_is_text(c) for c in names)
    label = names.index(data.label) if header else len(names) - 1
    skip = first + 1 if header else 0
    path = str(Path(config.data).resolve())
    if data.task == "classification":
        to_y = f"Y = torch.tensor(np.searchsorted({list(data.classes)!r}, cells[:, {label}]), dtype=torch.long)"
    else:
        to_y = f"Y = torch.tensor(cells[:, {label}], dtype=torch.float32).reshape(-1, 1)"
    return f"""
        # -- data: your own points, {Path(config.data).name} ({data.rows} rows) --------------------------
        import hashlib

        import numpy as np

        CSV = {path!r}
        with open(CSV, encoding="utf-8-sig") as f:
            text = f.read()
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != {data.sha256!r}:
            sys.exit(f"{{CSV}} is not the file this run trained on (its checksum differs)")
        cells = np.loadtxt(CSV, delimiter={mark!r}, skiprows={skip}, comments="#", quotechar='"', ndmin=2)
        X = torch.tensor(np.delete(cells, {label}, axis=1), dtype=torch.float32)
        {to_y}
        """


def _is_text(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return True
    return False


def _split(config: TrainConfig, plugins: Plugins) -> str:
    lines = [
        "# -- the split: shuffled with seed + 1, test last, then validation / folds -----------"
    ]
    if config.normalize == "auto" and plugins.dataset.auto_normalize == "all":
        lines.append("X = (X - X.mean(0)) / X.std(0).clamp_min(1e-6)  # the dataset's convention")
    lines += [
        "total = len(X)",
        f"order = torch.randperm(total, generator=torch.Generator().manual_seed({config.seed + 1}))",
        f"n_test = round(total * {config.test_fraction!r})",
    ]
    if config.folds > 1:
        lines += [
            "rest, test_idx = order[: total - n_test], order[total - n_test :]",
            f"chunks = torch.tensor_split(rest, {config.folds})",
            f"val_idx = chunks[{config.fold}]",
            f"train_idx = torch.cat([c for i, c in enumerate(chunks) if i != {config.fold}])",
        ]
    else:
        lines += [
            f"n_val = round(total * {config.val_fraction!r})",
            "train_idx, val_idx, test_idx = torch.split(order, [total - n_val - n_test, n_val, n_test])",
        ]
    if config.test_shift:
        lines += [
            "X = X.clone()",
            f"X[test_idx] += {float(config.test_shift)!r}  # a train/test mismatch",
        ]
    if config.normalize == "standard":
        lines += [
            "mean, std = X[train_idx].mean(0), X[train_idx].std(0, unbiased=False)",
            "X = (X - mean) / torch.where(std > 0, std, 1.0)  # the training split's statistics",
        ]
    lines.append(
        "splits = {name: (X[i], Y[i]) for name, i in (('train', train_idx), ('val', val_idx), ('test', test_idx))}"
    )
    return "\n".join(lines)


def _activation(spec: Any) -> str:
    module = make_activation(spec, spec.pieces)
    if not type(module).__module__.startswith("torch.nn.") or spec.pieces != 1:
        raise ExportError(
            f"activation {spec.name!r} (plugin {spec.plugin}) has no torch.nn twin, so the "
            "script cannot write it; export a run with a torch activation (relu, sigmoid, tanh …)"
        )
    return f"nn.{module!r}"


def _model(config: TrainConfig, plugins: Plugins) -> str:
    specs = plugins.layers or (plugins.activation,) * config.depth
    acts = ", ".join(_activation(s) for s in specs)
    input_dim = plugins.dataset.input_dim
    out = plugins.dataset.n_classes if plugins.dataset.task == "classification" else 1
    norm = "nn.BatchNorm1d(width)" if config.batch_norm else "None  # no batch norm"
    parts = ["linear", *(["batch norm"] if config.batch_norm else []), "activation"]
    parts += ["dropout"] if config.dropout else []
    skip = "nn.Identity() if fan_in == width else nn.Linear(fan_in, width, bias=False)"
    if not config.residual:
        skip = "None  # no skip connection"
    fans = f"[{input_dim}]" + (
        f" + [{config.width}] * {config.depth - 1}" if config.depth > 1 else ""
    )
    return f'''
        # -- the network ---------------------------------------------------------------------------
        class Layer(nn.Module):
            """{" → ".join(parts)}{", its input added back (a skip connection)" if config.residual else ""}."""

            def __init__(self, fan_in, width, act):
                super().__init__()
                self.linear = nn.Linear(fan_in, width)
                self.norm = {norm}
                self.act = act
                self.skip = {skip}


        class Net(nn.Module):
            """{config.depth} hidden layer(s) of {config.width} units, then a linear output of {out}."""

            def __init__(self):
                super().__init__()
                acts = [{acts}]
                fans = {fans}
                self.hidden = nn.ModuleList(Layer(f, {config.width}, a) for f, a in zip(fans, acts))
                self.out = nn.Linear({config.width if config.depth else input_dim}, {out})
                self.generator = torch.Generator().manual_seed(seed_of(2))  # dropout's masks

            def forward(self, x):
                p, p_in = {float(config.dropout)!r}, {float(config.input_dropout)!r}
                if self.training and p_in > 0:  # inverted dropout on the inputs
                    keep = torch.rand(x.shape, generator=self.generator)
                    x = x * torch.where(keep >= p_in, 1.0 / (1.0 - p_in), 0.0)
                masks = None
                if self.training and p > 0 and len(self.hidden):  # one draw for every layer
                    shape = (len(self.hidden), x.shape[0], {config.width})
                    masks = torch.where(torch.rand(shape, generator=self.generator) >= p, 1.0 / (1.0 - p), 0.0)
                for i, layer in enumerate(self.hidden):
                    z = layer.linear(x)
                    if layer.norm is not None:
                        z = layer.norm(z)
                    y = layer.act(z)
                    if masks is not None:
                        y = y * masks[i]
                    x = y if layer.skip is None else layer.skip(x) + y
                return self.out(x)


        net = Net()
        '''


def _init(config: TrainConfig, plugins: Plugins) -> str:
    specs = plugins.layers or (plugins.activation,) * config.depth
    names = [s.name for s in specs] or [config.activation]
    lines = [
        "# -- initial weights, drawn from their own generator (biases 0) -----------------------",
        "g = torch.Generator().manual_seed(seed_of(1))",
        "linears = [layer.linear for layer in net.hidden] + [net.out]",
        "with torch.no_grad():",
    ]
    scale = config.init_scale
    for i in range(config.depth + 1):
        is_output = i == config.depth
        act = "" if is_output else names[i]
        scheme = resolve_init(config.init, names[min(i, len(names) - 1)])
        w, b = f"linears[{i}].weight", f"linears[{i}].bias"
        lines.append(f"    {b}.zero_()")
        if scheme == "xavier" or (scheme == "kaiming" and is_output):
            gain = "nn.init.calculate_gain('tanh')" if act == "tanh" else "1.0"
            lines.append(f"    nn.init.xavier_normal_({w}, gain={gain}, generator=g)")
        elif scheme == "kaiming":
            how = (
                "a=0.01, nonlinearity='leaky_relu'"
                if act == "leaky_relu"
                else "a=0.0, nonlinearity='relu'"
            )
            lines.append(f"    nn.init.kaiming_normal_({w}, {how}, generator=g)")
        elif scheme in ("normal", "small"):
            std = scale if scale is not None else (1.0 if scheme == "normal" else 0.01)
            lines.append(f"    nn.init.normal_({w}, 0.0, {float(std)!r}, generator=g)")
        elif scheme == "constant":
            lines.append(f"    nn.init.constant_({w}, {float(0.1 if scale is None else scale)!r})")
        else:  # torch's own default, drawn from the run's generator
            lines.append(f"    bound = 1.0 / math.sqrt({w}.shape[1])")
            lines.append(f"    nn.init.uniform_({w}, -bound, bound, generator=g)")
            lines.append(f"    nn.init.uniform_({b}, -bound, bound, generator=g)")
    lines.append("    for layer in net.hidden:  # the skips' projections last")
    lines.append("        if isinstance(layer.skip, nn.Linear):")
    lines.append("            nn.init.xavier_normal_(layer.skip.weight, generator=g)")
    return "\n".join(lines)


def _optimizer(config: TrainConfig, plugins: Plugins) -> str:
    spec = plugins.optimizer
    values = spec.values(config.optimizer_hyper)
    cls = spec.optimizer_class
    if spec.name in TWINS and spec.plugin.startswith(BUILTIN):
        name, args = TWINS[spec.name]
        made = f"torch.optim.{name}(net.parameters(), {args.format(**values)})"
    elif cls is not None and cls.__module__.startswith("torch.optim"):
        args = ", ".join(f"{k}={v!r}" for k, v in spec.arguments(values).items())
        made = f"torch.optim.{cls.__name__}(net.parameters(), {args})"
    else:
        raise ExportError(
            f"optimizer {spec.name!r} (plugin {spec.plugin}) has no torch.optim twin, so the "
            f"script cannot write it; export a run with one of {', '.join(TWINS)} or a "
            "torch.optim class"
        )
    total = f"{config.steps}" if config.steps is not None else f"{config.epochs} * STEPS_PER_EPOCH"
    lines = [
        "# -- the budget, the optimizer and the schedule ------------------------------------",
        'x_train, y_train = splits["train"]',
        "CLASSIFY = Y.dtype == torch.long",
        f"BATCH = min({config.batch_size}, len(x_train))",
        "# a last batch of one sample is dropped: batch norm cannot normalize a single sample",
        "STEPS_PER_EPOCH = len(x_train) // BATCH + (1 if len(x_train) % BATCH >= 2 else 0)",
        f"TOTAL_STEPS = {total}",
        f"opt = {made}",
    ]
    sched = plugins.schedule
    if sched.name != "constant":
        source = textwrap.dedent(inspect.getsource(sched.factory))
        free = set(sched.factory.__code__.co_names) - {
            "S",
            "int",
            "max",
            "min",
            "float",
            "round",
            "math",
        }
        free -= {n for n in free if hasattr(torch.optim.lr_scheduler, n)}
        free -= {"param_groups", "LinearLR", "CosineAnnealingLR", "SequentialLR", "StepLR"}
        if any(n in sched.factory.__globals__ for n in free):
            raise ExportError(
                f"schedule {sched.name!r} (plugin {sched.plugin}) uses more than torch's "
                "lr_scheduler, so the script cannot write it"
            )
        knobs = ", ".join(f"{k}={v!r}" for k, v in sched.values(config.schedule_hyper).items())
        lines += ["", "", source.strip(), "", ""]
        lines.append(
            f"scheduler = {sched.factory.__name__}(opt, TOTAL_STEPS{', ' + knobs if knobs else ''})"
        )
    else:
        lines.append("scheduler = None  # a constant learning rate")
    return "\n".join(lines)


def _loop(config: TrainConfig) -> str:
    if config.loss == "mse":
        loss = "(out.softmax(-1) - F.one_hot(y, out.shape[-1]).to(out.dtype)).pow(2).sum(-1).mean()"
    else:
        loss = "F.cross_entropy(out, y)"
    terms = []
    if config.l1:
        terms.append(f"{config.l1!r} * sum(w.abs().sum() for w in weights)")
    if config.l2:
        terms.append(f"0.5 * {config.l2!r} * sum((w * w).sum() for w in weights)")
    # summed as the lab sums them: 0.0 + L1 + L2, then added to the loss
    objective = f"loss + (0.0 + {' + '.join(terms)})" if terms else "loss"
    return f'''
        # -- training -------------------------------------------------------------------------------
        PATIENCE = {config.patience!r}
        weights = [l.weight for l in linears] + [
            layer.skip.weight for layer in net.hidden if isinstance(layer.skip, nn.Linear)
        ]  # L1 / L2 reach every weight, never a bias


        def loss_fn(out, y):
            if not CLASSIFY:
                return F.mse_loss(out, y)
            return {loss}


        @torch.no_grad()
        def evaluate(name):
            """(loss, accuracy) on a whole split, in evaluation mode (no dropout)."""
            x, y = splits[name]
            if len(x) == 0:
                return None, None
            net.eval()
            out = net(x)
            loss = loss_fn(out, y).item()
            acc = (out.argmax(1) == y).float().mean().item() if CLASSIFY else None
            net.train()
            return loss, acc


        shuffle = torch.Generator().manual_seed(seed_of(3))
        step, epoch, best_val, best_state, bad_epochs, done = 0, 0, math.inf, None, 0, False
        history = []
        net.train()
        while not done:
            order = torch.randperm(len(x_train), generator=shuffle)
            batch_losses = []
            for idx in list(order.split(BATCH))[:STEPS_PER_EPOCH]:
                x, y = x_train[idx], y_train[idx]
                opt.zero_grad(set_to_none=True)
                out = net(x)
                loss = loss_fn(out, y)
                objective = {objective}
                objective.backward()
                opt.step()
                if scheduler is not None:
                    scheduler.step()
                batch_losses.append(loss.detach())
                step += 1
                if step >= TOTAL_STEPS:
                    break
            epoch += 1
            train_loss, train_acc = evaluate("train")
            val_loss, val_acc = evaluate("val")
            batch_loss = torch.stack(batch_losses).float().mean().item()
            history.append((epoch, train_loss, train_acc, val_loss, val_acc))
            shown = "-" if val_loss is None else f"{{val_loss:.6f}}"
            print(f"epoch {{epoch:4d}}  train loss {{train_loss:.6f}}  validation loss {{shown}}")
            if val_loss is not None and math.isfinite(val_loss) and val_loss < best_val:
                best_val, bad_epochs = val_loss, 0
                if PATIENCE is not None:
                    best_state = {{k: v.detach().clone() for k, v in net.state_dict().items()}}
            else:
                bad_epochs += 1
            if not (math.isfinite(train_loss) and math.isfinite(batch_loss)):
                print(f"diverged at epoch {{epoch}}: the loss is not finite")
                done = True
            elif PATIENCE is not None and bad_epochs >= PATIENCE:
                print(f"stopped early after epoch {{epoch}}")
                done = True
            elif step >= TOTAL_STEPS:
                done = True
        if PATIENCE is not None and best_state is not None:
            net.load_state_dict(best_state)  # the weights of the best validation loss

        # -- evaluation -----------------------------------------------------------------------------
        results = {{name: evaluate(name) for name in ("train", "val", "test")}}
        for name, (loss, acc) in results.items():
            shown = "-" if loss is None else f"{{loss:.6f}}"
            print(f"{{name:5s}} loss {{shown}}" + (f"  accuracy {{acc:.1%}}" if acc is not None else ""))
        if len(sys.argv) > 1:
            torch.save({{"state": net.state_dict(), "results": results, "history": history}}, sys.argv[1])
        '''

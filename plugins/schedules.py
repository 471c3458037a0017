"""Built-in learning-rate schedules: thin wrappers over ``torch.optim.lr_scheduler``."""

from torch.optim import lr_scheduler as S

from explorer import Hyper, ScheduleSpec, hookimpl


def constant(opt, total_steps):
    return S.LambdaLR(opt, lambda step: 1.0)


def step_decay(opt, total_steps, *, every, gamma):
    return S.StepLR(opt, step_size=int(every), gamma=gamma)


def exponential(opt, total_steps, *, gamma):
    return S.ExponentialLR(opt, gamma=gamma)


def cosine(opt, total_steps, *, floor):
    base = opt.param_groups[0]["lr"]
    return S.CosineAnnealingLR(opt, T_max=max(1, total_steps), eta_min=floor * base)


def warmup(opt, total_steps, *, steps, start):
    return S.LinearLR(opt, start_factor=start, end_factor=1.0, total_iters=int(steps))


def warmup_cosine(opt, total_steps, *, steps, start):
    steps = max(1, min(int(steps), total_steps - 1))
    ramp = S.LinearLR(opt, start_factor=start, end_factor=1.0, total_iters=steps)
    decay = S.CosineAnnealingLR(opt, T_max=max(1, total_steps - steps))
    return S.SequentialLR(opt, [ramp, decay], milestones=[steps])


def cyclic(opt, total_steps, *, period, low):
    base = opt.param_groups[0]["lr"]
    half = int(period) // 2
    return S.CyclicLR(opt, base_lr=low * base, max_lr=base, step_size_up=half, cycle_momentum=False)


# Slider ranges are hints; ``allowed`` is what the maths (and torch) accepts.
STEPS = Hyper(100, 1, 5000, integer=True, log=True, allowed="[1, inf)", help="warm-up steps")
START = Hyper(0.01, 0.001, 1.0, log=True, allowed="(0, 1]", help="starting fraction of η₀")
EVERY = Hyper(500, 1, 10000, integer=True, log=True, allowed="[1, inf)", help="steps per decay")
GAMMA = Hyper(0.5, 0.01, 1.0, allowed="(0, inf)", help="decay factor γ")


@hookimpl
def register_schedules(register):
    register(ScheduleSpec("constant", constant, doc="η stays η₀"))
    register(
        ScheduleSpec(
            "step",
            step_decay,
            {"every": EVERY, "gamma": GAMMA},
            doc="η ← γη every k steps",
        )
    )
    register(
        ScheduleSpec(
            "exponential",
            exponential,
            {"gamma": Hyper(0.999, 0.9, 1.0, allowed="(0, inf)")},
            doc="η ← γη every step",
        )
    )
    register(
        ScheduleSpec(
            "cosine",
            cosine,
            {"floor": Hyper(0.0, 0.0, 1.0, allowed="[0, inf)")},
            doc="η falls from η₀ to floor·η₀ along half a cosine over the run",
        )
    )
    register(
        ScheduleSpec(
            "warmup",
            warmup,
            {"steps": STEPS, "start": START},
            doc="η rises linearly from start·η₀ to η₀, then stays",
        )
    )
    register(
        ScheduleSpec(
            "warmup_cosine",
            warmup_cosine,
            {"steps": STEPS, "start": START},
            doc="linear warm-up, then cosine decay to 0",
        )
    )
    register(
        ScheduleSpec(
            "cyclic",
            cyclic,
            {
                "period": Hyper(400, 2, 10000, integer=True, log=True, allowed="[2, inf)"),
                "low": Hyper(0.1, 0.001, 1.0, allowed="[0, inf)"),
            },
            doc="η goes back and forth between low·η₀ and η₀ (triangular)",
        )
    )

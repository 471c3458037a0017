"""The network the lab trains: a stack of hidden layers that remembers what the view shows.

Each hidden layer is linear → (batch norm) → activation → (dropout), each with its own activation
when the config names one per layer. With ``residual`` every hidden layer's input is added to its
output (He et al.'s skip connection): the identity where the widths agree, a linear projection
without bias where they differ (the first layer, from the inputs). While training the net keeps
references to the last mini-batch's pre-activations, activations and dropout masks (no copies, no
hooks), so probes cost nothing until someone asks for a snapshot.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Literal, Protocol, TypeVar, cast

import torch
from torch import nn

from explorer.specs import ActivationSpec
from explorer.training.config import RELU_FAMILY, TrainConfig

_T = TypeVar("_T")


class HiddenLayer(nn.Module):
    """linear (``width · pieces`` units) → batch norm (optional) → activation → dropout ``p``."""

    def __init__(
        self, fan_in: int, width: int, act: nn.Module, pieces: int, batch_norm: bool, p: float
    ) -> None:
        super().__init__()
        self.width = width
        self.pieces = pieces
        self.p = float(p)
        self.linear = nn.Linear(fan_in, width * pieces)
        self.norm = nn.BatchNorm1d(width * pieces) if batch_norm else None
        self.act = act
        # The skip connection (residual nets only): None, the identity, or a projection.
        self.skip: nn.Module | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The layer without dropout (``Net.forward`` runs the layers itself, dropout included)."""
        z = self.linear(x)
        y: torch.Tensor = self.act(self.norm(z) if self.norm is not None else z)
        return y if self.skip is None else self.skip(x) + y


class HiddenLayers(Protocol):
    """``Net.hidden`` as the code reads it: an ``nn.ModuleList`` that holds only HiddenLayers."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[HiddenLayer]: ...

    def __getitem__(self, index: int) -> HiddenLayer: ...


class Net(nn.Module):
    """Hidden layers, then a linear output layer (logits for classes, one value for regression).

    Dropout is inverted dropout: kept units are scaled by 1 / (1 − p) while training (input
    features too, with their own ``input_dropout`` probability), so the
    network in evaluation mode (every unit kept, nothing scaled) is the lecture's weight-scaled
    network. The masks of all hidden layers are drawn in one call per mini-batch from the run's
    own generator.
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        config: TrainConfig,
        spec: ActivationSpec | Sequence[ActivationSpec],
        pieces: int | Sequence[int],
    ) -> None:
        super().__init__()
        self._args = (input_dim, output_dim, config, spec, pieces)
        specs = per_layer(spec, config.depth)
        layer_pieces = per_layer(pieces, config.depth)
        self.activations = tuple(s.name for s in specs)  # one name per hidden layer
        # The activation as the config names it: one name, or one per layer, comma-separated.
        self.activation = activation_text(self.activations) or getattr(spec, "name", "")
        self.layer_pieces = tuple(layer_pieces)
        self.pieces = max(layer_pieces, default=1)
        self.residual = bool(getattr(config, "residual", False))
        self.width = config.width
        self.p = float(config.dropout)
        self.p_input = float(getattr(config, "input_dropout", 0.0))
        layers: list[HiddenLayer] = []
        fan_in = input_dim
        for layer_spec, k in zip(specs, layer_pieces, strict=True):
            act = make_activation(layer_spec, k)
            layer = HiddenLayer(fan_in, config.width, act, k, config.batch_norm, config.dropout)
            if self.residual:
                same = fan_in == config.width
                layer.skip = nn.Identity() if same else nn.Linear(fan_in, config.width, bias=False)
            layers.append(layer)
            fan_in = config.width
        self.hidden = cast(HiddenLayers, nn.ModuleList(layers))
        self.out = nn.Linear(fan_in, output_dim)
        self.record = False
        self.init_scheme = ""
        self.generator: torch.Generator | None = None
        # What the last training forward pass saw, kept by reference (no copies): per hidden
        # layer (pre-activation z, activation y), and the dropout masks scaled by 1 / (1 − p).
        self.trace: list[tuple[torch.Tensor, torch.Tensor]] = []
        self.drop_masks: torch.Tensor | None = None

    def forward(
        self, x: torch.Tensor, masks: list[torch.Tensor | None] | None = None
    ) -> torch.Tensor:
        """``masks`` (per hidden layer, 1 = kept, broadcast over the batch) replaces dropout's
        random draw, in any mode: that runs one chosen thinned network."""
        record = self.record and self.training
        trace: list[tuple[torch.Tensor, torch.Tensor]] | None = [] if record else None
        drawn = None
        if masks is None and self.training and self.p_input > 0:
            # The lecture's picture drops inputs too: each feature kept with 1 − p_input.
            keep = torch.rand(x.shape, generator=self.generator, device=x.device, dtype=x.dtype)
            x = x * torch.where(keep >= self.p_input, 1.0 / (1.0 - self.p_input), 0.0)
        if masks is None and self.training and self.p > 0 and self.hidden:
            shape = (len(self.hidden), x.shape[0], self.width)
            noise = torch.rand(shape, generator=self.generator, device=x.device, dtype=x.dtype)
            drawn = torch.where(noise >= self.p, 1.0 / (1.0 - self.p), 0.0)
        for i, layer in enumerate(self.hidden):
            z_in = x
            z = layer.linear(x)
            if layer.norm is not None:
                z = layer.norm(z)
            x = layer.act(z)
            if trace is not None:
                trace.append((z, x))
            mask = None if masks is None else masks[i]
            y = x
            if mask is not None:
                y = y * mask / (1.0 - layer.p)
            elif drawn is not None:
                y = y * drawn[i]
            # The skip carries the layer's input around it, past its dropout: x + F(x).
            x = y if layer.skip is None else layer.skip(z_in) + y
        if record:
            # Plain attributes set past nn.Module.__setattr__, which costs more than the step's
            # own arithmetic on a small net.
            self.__dict__["trace"] = trace
            self.__dict__["drop_masks"] = drawn
        out: torch.Tensor = self.out(x)
        return out

    def dropout_mask(self, i: int) -> torch.Tensor | None:
        """Hidden layer ``i``'s mask at the last training step: bool (batch, width), True = kept."""
        if self.drop_masks is None or i >= len(self.drop_masks):
            return None
        return self.drop_masks[i] != 0

    @property
    def linears(self) -> list[nn.Linear]:
        """Every weight layer, input side first, the output layer last."""
        return [layer.linear for layer in self.hidden] + [self.out]

    @property
    def projections(self) -> list[nn.Linear]:
        """The skip connections' projection layers (residual nets where widths change)."""
        return [h.skip for h in self.hidden if isinstance(h.skip, nn.Linear)]

    @property
    def sizes(self) -> tuple[int, ...]:
        """Units per layer as the view draws them: input, each hidden layer, output."""
        return (self.linears[0].in_features, *(h.width for h in self.hidden), self.out.out_features)

    def copy(self) -> Net:
        """A detached twin with the same weights and batch-norm statistics (nothing recorded)."""
        twin = Net(*self._args)
        twin.load_state_dict(self.state_dict())
        twin.init_scheme = self.init_scheme
        return twin.to(next(self.parameters()).device).train(self.training)

    def set_generator(self, generator: torch.Generator) -> None:
        """Dropout draws its masks from ``generator`` (the run's own, for reproducible runs)."""
        self.__dict__["generator"] = generator


def per_layer(value: _T | Sequence[_T], depth: int) -> list[_T]:
    """``value`` for each of ``depth`` hidden layers: one value for all, or one per layer."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        values = list(value)
        if len(values) == 1:
            return values * depth
        if len(values) != depth:
            raise ValueError(f"{len(values)} activations given for {depth} hidden layer(s)")
        return values
    return [value] * depth


def activation_text(names: Sequence[str]) -> str:
    """``relu`` for layers that all use relu, ``relu,sigmoid,relu`` for one name per layer."""
    return names[0] if len(set(names)) == 1 else ",".join(names)


def make_activation(spec: ActivationSpec, pieces: int) -> nn.Module:
    """``spec.factory()``; a factory taking ``pieces`` (Maxout) is told how many."""
    if pieces != spec.pieces and not _takes_pieces(spec.factory):
        raise ValueError(
            f"activation {spec.name!r} has {spec.pieces} piece(s) and takes no pieces setting"
        )
    module = spec.factory(pieces=pieces) if _takes_pieces(spec.factory) else spec.factory()
    if not isinstance(module, nn.Module):
        raise ValueError(
            f"activation {spec.name!r} (plugin {spec.plugin}): factory() must return an "
            f"nn.Module, got {type(module).__name__}"
        )
    return module


def _takes_pieces(factory: Callable[..., object]) -> bool:
    try:
        return "pieces" in inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False


def resolve_init(init: str, activation: str) -> str:
    if init != "auto":
        return init
    return "kaiming" if activation in RELU_FAMILY else "xavier"


def init_weights(
    net: Net,
    init: str,
    scale: float | None,
    generator: torch.Generator,
) -> str:
    """Initialize every linear layer with ``init`` (drawn from ``generator``), each hidden layer
    for its own activation, then the skip connections' projections (Xavier, gain 1: so a residual
    net's other layers start where the plain net's do); returns the scheme used (``auto``
    resolved; "kaiming/xavier" where the layers' activations resolve differently). Biases start
    at 0, except with torch's own default."""
    names = net.activations or (net.activation,)
    schemes = [resolve_init(init, name) for name in names]
    for i, linear in enumerate(net.linears):
        is_output = i == len(net.linears) - 1
        layer = min(i, len(names) - 1)
        _init_linear(
            linear,
            schemes[layer],
            "" if is_output else names[layer],
            1 if is_output else net.layer_pieces[layer],
            is_output,
            scale,
            generator,
        )
    for projection in net.projections:
        nn.init.xavier_normal_(projection.weight, generator=generator)
    return "/".join(dict.fromkeys(schemes))


def _init_linear(
    linear: nn.Linear,
    scheme: str,
    activation: str,
    pieces: int,
    is_output: bool,
    scale: float | None,
    generator: torch.Generator,
) -> None:
    """One layer's weights for ``scheme`` and the ``activation`` that follows it."""
    w, b = linear.weight, linear.bias
    relu_gain: Literal["leaky_relu", "relu"] = (
        "leaky_relu" if activation == "leaky_relu" else "relu"
    )
    with torch.no_grad():
        b.zero_()
        if scheme == "xavier" or (scheme == "kaiming" and is_output):
            # torch's recommended gain for tanh (5/3) keeps the spread through 10 layers; a
            # linear output layer, sigmoid and the rest take Glorot's gain of 1.
            tanh = activation == "tanh" and not is_output
            gain = nn.init.calculate_gain("tanh") if tanh else 1.0
            nn.init.xavier_normal_(w, gain=gain, generator=generator)
        elif scheme == "kaiming" and pieces > 1:
            std = maxout_gain(pieces) / math.sqrt(w.shape[1])
            nn.init.normal_(w, 0.0, std, generator=generator)
        elif scheme == "kaiming":
            a = 0.01 if relu_gain == "leaky_relu" else 0.0
            nn.init.kaiming_normal_(w, a=a, nonlinearity=relu_gain, generator=generator)
        elif scheme == "normal":
            nn.init.normal_(w, 0.0, 1.0 if scale is None else scale, generator=generator)
        elif scheme == "small":
            nn.init.normal_(w, 0.0, 0.01 if scale is None else scale, generator=generator)
        elif scheme == "constant":
            nn.init.constant_(w, 0.1 if scale is None else scale)
        elif scheme == "torch":
            bound = 1.0 / math.sqrt(w.shape[1])
            nn.init.uniform_(w, -bound, bound, generator=generator)
            nn.init.uniform_(b, -bound, bound, generator=generator)
        else:
            raise ValueError(f"init {scheme!r} is unknown")


@functools.cache
def maxout_gain(pieces: int) -> float:
    """He et al.'s rule for Maxout: the gain that keeps the second moment of the activations,
    1 / √E[max of ``pieces`` standard normals²] (1 for two pieces; ReLU's √2 would double it
    every layer)."""
    if pieces == 1:
        return 1.0
    g = torch.Generator().manual_seed(0)
    second_moment = torch.randn(200_000, pieces, generator=g).amax(1).pow(2).mean()
    return float(second_moment.rsqrt())


def build_model(
    config: TrainConfig,
    spec: ActivationSpec | Sequence[ActivationSpec],
    input_dim: int,
    output_dim: int,
    generator: torch.Generator | None = None,
) -> Net:
    """The network for ``config``: ``depth`` hidden layers of ``width`` units (Maxout's layers
    ``pieces`` times wider before the activation), initialized with ``config.init``. ``spec``:
    the activation of every hidden layer, or one per layer."""
    specs = per_layer(spec, config.depth)
    pieces = [
        config.pieces if config.pieces is not None and _takes_pieces(s.factory) else s.pieces
        for s in specs
    ]
    net = Net(input_dim, output_dim, config, specs, pieces)
    if generator is None:
        generator = torch.Generator().manual_seed(config.seed)
    net.init_scheme = init_weights(net, config.init, config.init_scale, generator)
    return net

"""Built-in activations: each a torch module factory plus the formula the network view prints.

Maxout is the one that is not elementwise: it takes ``pieces`` linear units per output and keeps
the largest, so the model builder makes the layer before it ``pieces`` times wider.
"""

import torch
from torch import nn

from explorer import ActivationSpec, hookimpl


class Maxout(nn.Module):
    """max over groups of ``pieces`` neighbouring inputs: width k·w in, width w out."""

    def __init__(self, pieces: int = 2):
        super().__init__()
        self.pieces = pieces

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z.unflatten(-1, (-1, self.pieces)).amax(-1)

    def extra_repr(self) -> str:
        return f"pieces={self.pieces}"


@hookimpl
def register_activations(register):
    register(
        ActivationSpec("sigmoid", nn.Sigmoid, "σ(z) = 1 / (1 + e^−z)", doc="saturates at 0 and 1")
    )
    register(ActivationSpec("tanh", nn.Tanh, "tanh(z) = (e^z − e^−z) / (e^z + e^−z)"))
    register(ActivationSpec("relu", nn.ReLU, "max(0, z)", doc="no saturation for z > 0"))
    register(ActivationSpec("leaky_relu", nn.LeakyReLU, "max(0.01·z, z)"))
    register(ActivationSpec("prelu", nn.PReLU, "max(a·z, z), a learned (starts at 0.25)"))
    register(ActivationSpec("elu", nn.ELU, "z if z > 0 else e^z − 1"))
    register(
        ActivationSpec(
            "maxout",
            Maxout,
            "max(z₁, …, z_k) over k linear pieces",
            pieces=2,
            doc="learns its own piecewise-linear activation; k = 2 can be ReLU or |z|",
        )
    )
    register(ActivationSpec("softplus", nn.Softplus, "ln(1 + e^z)"))
    register(ActivationSpec("gelu", nn.GELU, "z · Φ(z)"))
    register(ActivationSpec("silu", nn.SiLU, "z · σ(z)"))
    register(ActivationSpec("linear", nn.Identity, "z", doc="no activation: the net stays linear"))

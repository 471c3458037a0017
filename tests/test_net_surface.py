"""net: surfaces: a real net's training loss on a 2-D slice through its weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.func import functional_call

from explorer.landscape import net_surface
from explorer.landscape.net_surface import NetSurfaceError, build_slice, parse_net_spec
from explorer.landscape.surface import batch_loss, evaluate_grid, gradient, hessian, value


@pytest.fixture(scope="module")
def moons(registry):
    return build_slice("net:moons?n=120&epochs=10", registry, cache=False)


@pytest.fixture(scope="module")
def moons_pca(registry):
    return build_slice("net:moons?n=120&epochs=10&directions=pca", registry, cache=False)


def direct_loss(sl, a: float, b: float, x=None, y=None) -> float:
    """The plain-PyTorch loss of the net with weights θ₀ + a·d₁ + b·d₂."""
    params = {k: sl.theta0[k] + a * sl.d1[k] + b * sl.d2[k] for k in sl.theta0}
    out = functional_call(sl.model, params, (sl.x if x is None else x,))
    target = sl.y if y is None else y
    return float(F.cross_entropy(out, target))


def test_the_value_at_the_centre_is_the_nets_own_training_loss(moons):
    spec = moons.surface()
    model = moons.model
    own = float(F.cross_entropy(model(moons.x), moons.y))
    assert value(spec, 0.0, 0.0) == pytest.approx(own, rel=1e-12)
    assert value(spec, 0.3, -0.4) == pytest.approx(direct_loss(moons, 0.3, -0.4), rel=1e-12)


def test_the_slice_gradient_is_the_full_gradient_projected_on_the_two_directions(moons):
    spec = moons.surface()
    a, b = 0.2, -0.1
    params = {
        k: (moons.theta0[k] + a * moons.d1[k] + b * moons.d2[k]).requires_grad_()
        for k in moons.theta0
    }
    loss = F.cross_entropy(functional_call(moons.model, params, (moons.x,)), moons.y)
    grads = torch.autograd.grad(loss, list(params.values()))
    full = dict(zip(params, grads, strict=True))
    proj = [sum(float((full[k] * d[k]).sum()) for k in full) for d in (moons.d1, moons.d2)]
    assert gradient(spec, a, b) == pytest.approx(np.array(proj), rel=1e-9, abs=1e-12)
    h = hessian(spec, a, b)
    assert h.shape == (2, 2) and np.allclose(h, h.T) and np.isfinite(h).all()


def test_random_directions_are_filter_normalized(moons):
    for d in (moons.d1, moons.d2):
        for name, t0 in moons.theta0.items():
            if t0.dim() == 1:
                assert torch.count_nonzero(d[name]) == 0  # biases are not moved
            else:
                assert torch.allclose(d[name].norm(dim=1), t0.norm(dim=1), rtol=1e-10)
    assert not torch.allclose(moons.d1["out.weight"], moons.d2["out.weight"])


def test_pca_directions_explain_the_share_they_report(registry, moons_pca):
    share = moons_pca.explained
    assert share is not None and 0 < share[1] <= share[0] <= 1 and share[0] + share[1] <= 1 + 1e-9
    # the path's coordinates along the two directions carry exactly that share of its variance
    session = net_surface._replay_path(moons_pca)
    traj = session - session.mean(0, keepdim=True)
    total = float((traj**2).sum())
    coords = torch.as_tensor(moons_pca.path)
    coords = coords - coords.mean(0, keepdim=True)
    got = (coords**2).sum(0) / total
    assert got.tolist() == pytest.approx(list(share), rel=1e-6)
    # the two directions are orthonormal
    d1 = torch.cat([t.reshape(-1) for t in moons_pca.d1.values()])
    d2 = torch.cat([t.reshape(-1) for t in moons_pca.d2.values()])
    assert float(d1 @ d1) == pytest.approx(1) and float(d1 @ d2) == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize("layered", [True, False], ids=["batched-weights", "vmap"])
def test_the_batched_grid_equals_a_loop_over_points(moons, monkeypatch, layered):
    monkeypatch.setattr(type(moons), "_layered", property(lambda self: layered))
    spec = moons.surface()
    grid = evaluate_grid(spec, 9, 7)
    loop = np.array([[direct_loss(moons, x, y) for x in grid.xs] for y in grid.ys])
    assert np.abs(grid.z - loop).max() < 1e-9 * max(1.0, np.abs(loop).max())


def test_mini_batch_losses_are_the_losses_of_those_samples(moons):
    spec = moons.surface()
    idx = torch.tensor([[0, 5, 7, 9], [3, 3, 4, 100]])
    xs = torch.tensor([0.1, -0.5], dtype=torch.float64)
    ys = torch.tensor([0.2, 0.3], dtype=torch.float64)
    got = batch_loss(spec, xs, ys, idx)
    want = [
        direct_loss(moons, float(xs[i]), float(ys[i]), moons.x[idx[i]], moons.y[idx[i]])
        for i in range(2)
    ]
    assert got.tolist() == pytest.approx(want, rel=1e-12)


def test_the_same_spec_gives_the_same_surface_bit_for_bit_and_the_cache_keeps_it(
    registry, tmp_path
):
    text = "net:moons?n=80&epochs=3&seed=4"
    first = build_slice(text, registry, cache=tmp_path)
    assert list(tmp_path.glob("*.pt")), "the trained weights were cached"
    again = build_slice(text, registry, cache=tmp_path)
    fresh = build_slice(text, registry, cache=False)
    grids = [evaluate_grid(s.surface(), 6, 5).z for s in (first, again, fresh)]
    assert np.array_equal(grids[0], grids[1]) and np.array_equal(grids[0], grids[2])
    other = build_slice("net:moons?n=80&epochs=3&seed=5", registry, cache=tmp_path)
    assert not np.array_equal(evaluate_grid(other.surface(), 6, 5).z, grids[0])


def test_a_slice_trained_under_another_thread_count_is_not_read_from_the_cache(registry, tmp_path):
    """Training's sums are split across torch's threads, so its weights differ in the last bits
    with the count: a slice cached under one thread is not handed to a run under two."""
    text = "net:moons?n=60&epochs=2&seed=3"
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        build_slice(text, registry, cache=tmp_path)
        torch.set_num_threads(2)
        build_slice(text, registry, cache=tmp_path)
    finally:
        torch.set_num_threads(before)
    assert len(list(tmp_path.glob("*.pt"))) == 2, "one cache file per thread count"


def test_a_damaged_cache_file_is_recomputed(registry, tmp_path):
    text = "net:moons?n=60&epochs=2"
    build_slice(text, registry, cache=tmp_path)
    (cached,) = tmp_path.glob("*.pt")
    cached.write_bytes(b"not a torch file")
    sl = build_slice(text, registry, cache=tmp_path)
    assert np.isfinite(value(sl.surface(), 0, 0))


def test_spec_keys_parse_with_defaults_and_round_trip():
    spec = parse_net_spec("net:digits?width=32&depth=1&directions=pca")
    assert (spec.dataset, spec.width, spec.depth, spec.directions) == ("digits", 32, 1, "pca")
    assert spec.activation == "relu" and spec.at == "trained"
    assert parse_net_spec(spec.text) == spec
    assert parse_net_spec("net:moons:width=8,depth=1") == parse_net_spec(
        "net:moons?width=8&depth=1"
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("net:", "names a dataset"),
        ("net:moons?widht=3", "'widht' is not a net: key (did you mean width?)"),
        ("net:moons?directions=pcb", "directions must be one of random, pca"),
        ("net:moons?width=many", "width must be a whole number"),
        ("net:moons?width=0", "width must be between 1 and 256"),
        ("net:moons?directions=pca&epochs=0", "at least three points"),
        ("net:moons?span=-1", "span must be a positive number"),
        ("net:moonz", "no dataset 'moonz' (did you mean moons?)"),
        ("net:moons?activation=swish", "no activation 'swish'"),
        ("net:moons?width=256&depth=8", "a grid fits up to 200000 parameters"),
        ("net:digits?n=5000", "choose n from 1 to 1797"),
    ],
)
def test_bad_specs_are_one_sentence(registry, text, fragment):
    with pytest.raises(NetSurfaceError) as info:
        build_slice(text, registry, cache=False)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


# -- the net: family in the registry ------------------------------------------------------------
def test_net_and_expr_are_surface_families_of_the_builtin_plugin(registry):
    assert set(registry.families) >= {"expr", "net"}
    assert registry.families["net"].plugin.startswith("builtin")
    spec = registry.surface("net:moons?n=60&epochs=2")
    assert spec.name == "net:moons?epochs=2&n=60" and spec.has_data
    assert registry.surface("expr:x**2 - y**2").formula == "x**2 - y**2"


def test_a_wrong_net_spec_names_the_whole_spec_and_a_wrong_family_lists_the_families(registry):
    with pytest.raises(NetSurfaceError, match=r"^net:moonz: no dataset 'moonz'"):
        registry.surface("net:moonz")
    with pytest.raises(LookupError, match=r"Or a family: expr:…, net:…"):
        registry.surface("nett:moons")


def test_a_third_party_surface_family_registers_and_its_failures_are_one_sentence(tmp_path):
    from explorer.plugins import load_plugins

    (tmp_path / "fam.py").write_text(
        "import sys\n"
        "from explorer import SurfaceFamily, SurfaceSpec, hookimpl\n"
        "def build(text, registry):\n"
        "    if text == 'exit':\n"
        "        sys.exit(3)\n"
        "    if text == 'wrong':\n"
        "        return 42\n"
        "    a = float(text)\n"
        "    return SurfaceSpec(f'bowl:{text}', ((-1, 1), (-1, 1)), fn=lambda x, y: a * (x*x + y*y))\n"
        "@hookimpl\n"
        "def register_surfaces(register):\n"
        "    register(SurfaceFamily('bowl', build, doc='a bowl of a given steepness'))\n",
        encoding="utf-8",
    )
    registry = load_plugins([tmp_path], third_party=True)
    assert "bowl" in registry.families
    assert registry.surface("bowl:2").fn(torch.tensor(1.0), torch.tensor(0.0)) == 2
    with pytest.raises(ValueError, match="the bowl: family .* raised SystemExit"):
        registry.surface("bowl:exit")
    with pytest.raises(ValueError, match="returned int, not a SurfaceSpec"):
        registry.surface("bowl:wrong")


def test_plugins_lists_the_surface_families(registry):
    from click.testing import CliRunner

    from explorer.cli import main

    result = CliRunner().invoke(main, ["--no-plugins", "plugins"])
    assert result.exit_code == 0
    assert "surface family" in result.output and "net:moons" in result.output

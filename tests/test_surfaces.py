"""Surfaces: known minima of the standard test functions, autograd derivatives, the parser."""

import builtins
import math

import numpy as np
import pytest

from explorer.landscape import surface as S
from explorer.landscape.critical import analyze
from explorer.landscape.expression import ExpressionError, surface_from_expression

# Published minima of the standard test functions (value 0 at these points).
REFERENCE_ZEROS = {
    "rosenbrock": [(1, 1)],
    "beale": [(3, 0.5)],
    "booth": [(1, 3)],
    "rastrigin": [(0, 0)],
    "himmelblau": [(3, 2), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)],
    "bowl": [(0, 0)],
    "ravine": [(0, 0)],
}


@pytest.mark.parametrize("name", sorted(REFERENCE_ZEROS))
def test_standard_functions_have_their_published_minima(registry, name):
    spec = registry.surface(name)
    for point in REFERENCE_ZEROS[name]:
        assert S.value(spec, *point) == pytest.approx(0, abs=1e-9)


def test_every_declared_minimum_is_a_minimum(registry):
    for name, spec in registry.surfaces.items():
        (x0, x1), (y0, y1) = spec.domain
        for mx, my in spec.minima:
            assert x0 <= mx <= x1 and y0 <= my <= y1, name
            g = S.gradient(spec, mx, my)
            assert np.linalg.norm(g) < 1e-4, (name, g)
            cp = analyze(spec, mx, my)
            assert cp.kind == "minimum", (name, cp.eigenvalues)
        for sx, sy in spec.starts:
            assert x0 <= sx <= x1 and y0 <= sy <= y1, name


def test_gradient_and_hessian_come_from_autograd_exactly(registry):
    spec = registry.surface("rosenbrock")
    x, y = -1.2, 1.0
    expected_g = [-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)]
    expected_h = [[2 - 400 * (y - 3 * x**2), -400 * x], [-400 * x, 200]]
    assert S.gradient(spec, x, y) == pytest.approx(expected_g, rel=1e-12)
    assert S.hessian(spec, x, y) == pytest.approx(np.array(expected_h), rel=1e-12)


def test_linear_regression_surface_minimum_is_least_squares(registry):
    spec = registry.surface("linear_regression")
    assert spec.has_data and spec.n_samples == 200
    w, b = spec.minima[0]
    assert w == pytest.approx(2, abs=0.15) and b == pytest.approx(-1, abs=0.15)
    assert np.linalg.norm(S.gradient(spec, w, b)) < 1e-10


def test_grid_values_and_log_spaced_levels(registry):
    spec = registry.surface("rosenbrock")
    grid = S.evaluate_grid(spec, 120, 80)
    assert grid.z.shape == (80, 120)
    j, i = 37, 51
    assert grid.z[i, j] == pytest.approx(S.value(spec, grid.xs[j], grid.ys[i]))
    gaps = np.diff(np.log(grid.levels - grid.z.min()))
    assert np.all(gaps > 0) and np.allclose(gaps, gaps[0])


def test_grid_of_a_data_surface_matches_pointwise(registry):
    spec = registry.surface("linear_regression")
    grid = S.evaluate_grid(spec, 50, 40)
    assert grid.z[7, 33] == pytest.approx(S.value(spec, grid.xs[33], grid.ys[7]))


def test_expression_surface_evaluates_its_formula():
    spec = surface_from_expression("x**2 - y**2 + 0.1*sin(3*x)")
    assert S.value(spec, 0.5, 0.2) == pytest.approx(0.25 - 0.04 + 0.1 * math.sin(1.5))
    assert S.gradient(spec, 0.5, 0.2) == pytest.approx([1 + 0.3 * math.cos(1.5), -0.4])
    assert S.value(surface_from_expression("x^2 + pi"), 2, 0) == pytest.approx(4 + math.pi)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('true')", "not allowed"),
        ("x.real", "Attribute access"),
        ("open('f')", "The function 'open' is not allowed"),
        ("z + 1", "Unknown name 'z'"),
        ("x +", "not valid maths"),
        ("lambda: 1", "Lambda is not allowed"),
        ("'text'", "not allowed"),
        ("x if y else 1", "not allowed"),
        ("x[0]", "Indexing"),
        ("", "empty"),
        ("x ** 1000", "exponents between"),
        ("sin(x, y)", "exactly one argument"),
        ("x // 2", "not allowed"),
        ("-" * 200 + "x", "nested too deeply"),
    ],
)
def test_expression_refuses_what_is_not_maths_in_one_sentence(text, message, monkeypatch):
    def no_eval(*args, **kwargs):
        raise AssertionError("eval/exec must never see user text")

    monkeypatch.setattr(builtins, "eval", no_eval)
    monkeypatch.setattr(builtins, "exec", no_eval)
    with pytest.raises(ExpressionError, match=message) as info:
        surface_from_expression(text)
    assert "\n" not in str(info.value)


def test_registry_builds_custom_surfaces(registry):
    spec = registry.surface("expr:x**2 + 3*y**2")
    assert analyze(spec, 0, 0).kind == "minimum"


@pytest.mark.parametrize(
    ("surface", "point", "kind"),
    [
        ("saddle", (0, 0), "saddle"),
        ("bowl", (0, 0), "minimum"),
        ("expr:-(x**2) - y**2", (0, 0), "maximum"),
        ("monkey_saddle", (0, 0), "degenerate"),
        ("himmelblau", (-0.270845, -0.923039), "maximum"),
    ],
)
def test_hessian_tells_saddles_from_minima(registry, surface, point, kind):
    cp = analyze(registry.surface(surface), *point)
    assert cp.kind == kind
    assert cp.is_critical
    if kind == "saddle":
        assert np.abs(cp.escape_direction) == pytest.approx([0, 1])
        assert "saddle" in cp.verdict()

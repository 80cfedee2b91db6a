"""audiodl.numpy_nets held against the same networks built from torch.nn.Linear."""

import numpy as np
import pytest
import torch
from torch import nn

from audiodl.numpy_nets import DeepNet, ShallowNet, sigmoid

WEIGHT1 = [[0.1, 0.2, 0.3, 0.4], [0.2, 0.3, 0.4, 0.5], [0.1, 0.2, 0.4, 0.3]]
WEIGHT2 = [[0.3, 0.2, 0.1], [0.2, 0.1, 0.3], [0.5, 0.6, 0.7], [0.1, 0.2, 0.3]]


def linear_from_numpy(weight, bias) -> nn.Linear:
    """An nn.Linear holding a numpy layer's weights: nn.Linear stores (out, in)."""
    weight = torch.as_tensor(np.asarray(weight), dtype=torch.float64)
    layer = nn.Linear(weight.shape[0], weight.shape[1], dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(weight.T)
        layer.bias.copy_(torch.as_tensor(np.broadcast_to(bias, weight.shape[1]).copy()))
    return layer


def test_notes_shallow_net_output():
    net = ShallowNet(WEIGHT1, 0.01, WEIGHT2, 0.02)
    # the notes' own code, run as printed there
    expected = [0.71792805, 0.7244333, 0.77557143]
    assert net([1, 2, 3]) == pytest.approx(expected, abs=1e-8)


@pytest.mark.parametrize("batch", [False, True])
def test_shallow_net_matches_torch(batch):
    rng = np.random.default_rng(0)
    w1, b1 = rng.normal(size=(5, 7)), rng.normal(size=7)
    w2, b2 = rng.normal(size=(7, 2)), rng.normal(size=2)
    x = rng.normal(size=(4, 5) if batch else 5)
    model = nn.Sequential(
        linear_from_numpy(w1, b1), nn.Sigmoid(), linear_from_numpy(w2, b2), nn.Sigmoid()
    )
    expected = model(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(ShallowNet(w1, b1, w2, b2)(x), expected, rtol=1e-12)


def test_scalar_bias_is_shared_like_a_filled_torch_bias():
    model = nn.Sequential(
        linear_from_numpy(WEIGHT1, 0.01), nn.Sigmoid(),
        linear_from_numpy(WEIGHT2, 0.02), nn.Sigmoid(),
    )
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    np.testing.assert_allclose(
        ShallowNet(WEIGHT1, 0.01, WEIGHT2, 0.02)([1, 2, 3]),
        model(x).detach().numpy(), rtol=1e-12,
    )


def test_deep_net_matches_torch():
    net = DeepNet(input_num=3, output_num=1, hidden_num=[3, 2, 3], seed=0)
    assert net.sizes == [3, 3, 2, 3, 1]
    assert [w.shape for w in net.weights] == [(3, 3), (3, 2), (2, 3), (3, 1)]
    layers = []
    for w, b in zip(net.weights, net.biases, strict=True):
        layers += [linear_from_numpy(w, b), nn.Sigmoid()]
    model = nn.Sequential(*layers)
    x = np.random.default_rng(1).normal(size=(6, 3))
    np.testing.assert_allclose(net(x), model(torch.from_numpy(x)).detach().numpy(), rtol=1e-12)


def test_deep_net_is_reproducible_and_weights_follow_the_notes():
    a, b = DeepNet(3, 1, [3, 2, 3], seed=5), DeepNet(3, 1, [3, 2, 3], seed=5)
    for wa, wb in zip(a.weights, b.weights, strict=True):
        np.testing.assert_array_equal(wa, wb)
        assert (wa >= 0).all() and (wa < 1).all()


def test_sigmoid_matches_torch_without_overflow():
    z = np.array([-1000.0, -30.0, -1.0, 0.0, 2.0, 1000.0])
    with np.errstate(over="raise"):
        got = sigmoid(z)
    np.testing.assert_allclose(got, torch.sigmoid(torch.from_numpy(z)).numpy(), rtol=1e-12)


def test_mismatched_layers_are_a_clear_error():
    with pytest.raises(ValueError, match="4 hidden units but weight2 expects 3"):
        ShallowNet(np.ones((3, 4)), 0.0, np.ones((3, 2)), 0.0)

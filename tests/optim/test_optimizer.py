"""The Optimizer base: parameter groups, argument errors, zero_grad, warnings, state_dict."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import optim
from scratchdl.nn.parameter import Parameter
from scratchdl.optim.optimizer import Optimizer
from tests.optim import mlp_problem, sd_mlp_loss


def make_params(rng, shapes=((3, 2), (3,), (4, 3))):
    return [Parameter(rng.standard_normal(s).astype(np.float32)) for s in shapes]


def give_grads(params, rng):
    for p in params:
        p.grad = sd.tensor(rng.standard_normal(p.shape).astype(p.dtype))


# --------------------------------------------------------------------- construction and groups
def test_single_list_makes_one_group_with_the_defaults(rng):
    params = make_params(rng)
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    assert len(opt.param_groups) == 1
    group = opt.param_groups[0]
    assert len(group["params"]) == 3 and all(a is b for a, b in zip(group["params"], params))
    assert group["lr"] == 0.1 and group["momentum"] == 0.9 and group["nesterov"] is False
    assert opt.defaults["lr"] == 0.1


def test_generator_of_parameters_is_accepted(rng):
    params = make_params(rng)
    opt = optim.Adam(p for p in params)
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(p) for p in params]


def test_param_groups_override_defaults(rng):
    a, b, c = make_params(rng)
    opt = optim.SGD([{"params": [a, b]}, {"params": c, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [len(g["params"]) for g in opt.param_groups] == [2, 1]
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["momentum"] == 0.9


def test_groups_use_their_own_learning_rate(rng):
    a, b = Parameter(np.ones(2, np.float32)), Parameter(np.ones(2, np.float32))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad = sd.tensor(np.ones(2, np.float32))
    b.grad = sd.tensor(np.ones(2, np.float32))
    opt.step()
    np.testing.assert_allclose(a.data, 0.9, rtol=1e-7)
    np.testing.assert_allclose(b.data, 0.5, rtol=1e-7)


def test_add_param_group(rng):
    a, b, c = make_params(rng)
    opt = optim.Adam([a], lr=1e-3)
    opt.add_param_group({"params": [b, c], "lr": 1e-2})
    assert len(opt.param_groups) == 2
    assert opt.param_groups[1]["lr"] == 1e-2 and opt.param_groups[1]["betas"] == (0.9, 0.999)


def test_parameter_that_does_not_require_grad_is_allowed_and_skipped(rng):
    frozen = Parameter(np.ones(3, np.float32), requires_grad=False)
    live = Parameter(np.ones(3, np.float32))
    opt = optim.SGD([frozen, live], lr=0.1)
    live.grad = sd.tensor(np.ones(3, np.float32))
    opt.step()
    np.testing.assert_array_equal(frozen.data, 1.0)
    np.testing.assert_allclose(live.data, 0.9, rtol=1e-7)


def test_plain_leaf_tensors_can_be_optimized():
    w = sd.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.5)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.data, [0.0, 0.0], atol=1e-7)


def test_state_is_keyed_by_the_parameter_object(rng):
    params = make_params(rng)
    opt = optim.Adam(params)
    give_grads(params, rng)
    opt.step()
    assert set(map(id, opt.state)) == set(map(id, params))
    for p in params:
        assert opt.state[p]["step"] == 1
        assert opt.state[p]["exp_avg"].shape == p.shape


def test_repr_lists_groups_and_hyperparameters(rng):
    opt = optim.SGD(make_params(rng), lr=0.1)
    text = repr(opt)
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "lr: 0.1" in text


# --------------------------------------------------------------------- bad input
def test_empty_parameter_list_is_an_error():
    with pytest.raises(ValueError, match="SGD: received an empty parameter list"):
        optim.SGD([], lr=0.1)


def test_empty_generator_is_an_error():
    with pytest.raises(ValueError, match="Adam: received an empty parameter list"):
        optim.Adam(p for p in [])


def test_set_of_parameters_is_an_error(rng):
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD(set(make_params(rng)), lr=0.1)


def test_set_inside_a_group_is_an_error(rng):
    with pytest.raises(TypeError, match=r"param_group\['params'\] must be an ordered"):
        optim.SGD([{"params": set(make_params(rng))}], lr=0.1)


def test_single_tensor_is_an_error():
    with pytest.raises(TypeError, match=r"received a single Tensor of shape \(2,\)"):
        optim.SGD(Parameter(np.ones(2, np.float32)), lr=0.1)


def test_non_tensor_parameter_is_an_error():
    with pytest.raises(TypeError, match="parameter 1 of the group is a ndarray"):
        optim.Adam([Parameter(np.ones(2, np.float32)), np.ones(2)])


def test_named_parameters_get_a_hint():
    pairs = [("weight", Parameter(np.ones(2, np.float32)))]
    with pytest.raises(TypeError, match=r"pass model.parameters\(\), not model.named_parameters"):
        optim.SGD(pairs, lr=0.1)


def test_non_leaf_tensor_is_an_error():
    w = sd.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="cannot optimize a non-leaf Tensor"):
        optim.SGD([w * 2], lr=0.1)


def test_integer_tensor_is_an_error():
    with pytest.raises(TypeError, match="dtype=int64"):
        optim.SGD([sd.tensor(np.arange(3))], lr=0.1)


def test_duplicate_parameter_across_groups_is_an_error(rng):
    a, b, _ = make_params(rng)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [a, b]}, {"params": [b]}], lr=0.1)


def test_duplicate_parameter_in_one_group_is_an_error(rng):
    a, _, _ = make_params(rng)
    with pytest.raises(ValueError, match="appears twice in the same parameter group"):
        optim.SGD([a, a], lr=0.1)


def test_group_without_params_is_an_error(rng):
    opt = optim.SGD(make_params(rng), lr=0.1)
    with pytest.raises(ValueError, match="needs a 'params' entry"):
        opt.add_param_group({"lr": 0.1})


def test_group_hyperparameters_are_validated(rng):
    with pytest.raises(ValueError, match="Adam: invalid learning rate lr=-1"):
        optim.Adam([{"params": make_params(rng), "lr": -1}])


def test_non_number_learning_rate_is_a_type_error(rng):
    with pytest.raises(TypeError, match="Adam: lr must be a real number; received lr='0.1'"):
        optim.Adam(make_params(rng), lr="0.1")


def test_base_step_is_abstract(rng):
    opt = Optimizer(make_params(rng), {"lr": 0.1})
    with pytest.raises(NotImplementedError):
        opt.step()


# --------------------------------------------------------------------- zero_grad, warnings, closure
def test_zero_grad_sets_gradients_to_none(rng):
    params = make_params(rng)
    give_grads(params, rng)
    optim.SGD(params, lr=0.1).zero_grad()
    assert all(p.grad is None for p in params)


def test_zero_grad_without_none_gives_fresh_zero_arrays(rng):
    params = make_params(rng)
    give_grads(params, rng)
    old = [p.grad.data for p in params]
    saved = [g.copy() for g in old]
    optim.SGD(params, lr=0.1).zero_grad(set_to_none=False)
    for p, g, s in zip(params, old, saved):
        assert p.grad is not None and p.grad.data is not g
        np.testing.assert_array_equal(p.grad.data, 0.0)
        assert p.grad.dtype == p.dtype
        np.testing.assert_array_equal(g, s)  # the old (possibly shared) array is untouched


def test_step_without_gradients_warns_at_the_callers_line(rng):
    opt = optim.Adam(make_params(rng))
    with pytest.warns(UserWarning, match="no parameter has a gradient") as record:
        opt.step()
    assert record[0].filename == __file__


def test_step_with_gradients_does_not_warn(rng):
    params = make_params(rng)
    opt = optim.Adam(params)
    params[0].grad = sd.tensor(np.ones(params[0].shape, np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()


def test_closure_runs_with_grad_and_its_loss_is_returned(rng):
    weights, x, y = mlp_problem(rng)
    params = [Parameter(w) for w in weights]
    opt = optim.SGD(params, lr=0.1)

    def closure():
        opt.zero_grad()
        loss = sd_mlp_loss(params, sd.tensor(x), sd.tensor(y))
        loss.backward()
        return loss

    with sd.no_grad():
        loss = opt.step(closure)
    assert loss.grad_fn is not None  # the closure recorded a graph despite the outer no_grad
    assert float(sd_mlp_loss(params, sd.tensor(x), sd.tensor(y))) < float(loss)


def test_step_builds_no_graph_and_keeps_float32(rng):
    params = make_params(rng)
    opt = optim.Adam(params, weight_decay=0.1, amsgrad=True)
    for _ in range(2):
        give_grads(params, rng)
        opt.step()
    for p in params:
        assert p.grad_fn is None and p.is_leaf and p.dtype == np.float32
        assert all(v.dtype == np.float32 for v in opt.state[p].values() if hasattr(v, "dtype"))


# --------------------------------------------------------------------- state_dict
OPTIMIZERS = [
    (optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
    (optim.RMSprop, {"lr": 1e-3, "momentum": 0.5, "centered": True}),
    (optim.Adagrad, {"lr": 0.1, "lr_decay": 1e-2}),
    (optim.Adam, {"lr": 1e-2, "amsgrad": True, "weight_decay": 1e-3}),
    (optim.AdamW, {"lr": 1e-2}),
]


def _train(opt, params, x, y, steps):
    for _ in range(steps):
        opt.zero_grad()
        sd_mlp_loss(params, x, y).backward()
        opt.step()


def _grouped(params):
    return [{"params": params[:2]}, {"params": params[2:], "lr": 2e-3}]


@pytest.mark.parametrize("cls, kwargs", OPTIMIZERS, ids=lambda v: getattr(v, "__name__", ""))
def test_state_dict_round_trip_continues_identically(rng, cls, kwargs):
    weights, x, y = mlp_problem(rng)
    x, y = sd.tensor(x), sd.tensor(y)

    straight = [Parameter(w.copy()) for w in weights]
    _train(cls(_grouped(straight), **kwargs), straight, x, y, 100)

    first = [Parameter(w.copy()) for w in weights]
    opt = cls(_grouped(first), **kwargs)
    _train(opt, first, x, y, 50)
    saved = opt.state_dict()
    weights_at_50 = [p.data.copy() for p in first]
    _train(opt, first, x, y, 3)  # training on must not change what was saved

    resumed = [Parameter(w) for w in weights_at_50]
    fresh = cls(_grouped(resumed), **kwargs)
    fresh.load_state_dict(saved)
    _train(fresh, resumed, x, y, 50)

    for a, b in zip(resumed, straight):
        np.testing.assert_array_equal(a.data, b.data)


def test_state_dict_layout_is_plain_data(rng):
    params = make_params(rng)
    opt = optim.Adam([{"params": params[:1]}, {"params": params[1:], "lr": 0.1}])
    give_grads(params, rng)
    opt.step()
    sd_ = opt.state_dict()
    assert set(sd_) == {"state", "param_groups"}
    assert [g["params"] for g in sd_["param_groups"]] == [[0], [1, 2]]
    assert sd_["param_groups"][1]["lr"] == 0.1
    assert set(sd_["state"]) == {0, 1, 2}
    for entry in sd_["state"].values():
        assert entry["step"] == 1
        for value in entry.values():
            assert not isinstance(value, sd.Tensor)
            assert isinstance(value, (int, float, np.ndarray))
    # copies: the saved arrays do not move with the optimizer
    before = sd_["state"][0]["exp_avg"].copy()
    give_grads(params, rng)
    opt.step()
    np.testing.assert_array_equal(sd_["state"][0]["exp_avg"], before)


def test_load_state_dict_restores_hyperparameters(rng):
    params = make_params(rng)
    opt = optim.SGD(params, lr=0.1)
    saved = opt.state_dict()
    opt.param_groups[0]["lr"] = 0.5
    opt.load_state_dict(saved)
    assert opt.param_groups[0]["lr"] == 0.1
    assert opt.param_groups[0]["params"][0] is params[0]


def test_load_state_dict_with_wrong_group_count_is_an_error(rng):
    params = make_params(rng)
    saved = optim.SGD([{"params": params[:1]}, {"params": params[1:]}], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="saved state has 2 parameter group.*this optimizer has 1"):
        optim.SGD(params, lr=0.1).load_state_dict(saved)


def test_load_state_dict_with_wrong_group_size_is_an_error(rng):
    params = make_params(rng)
    saved = optim.SGD(params[:2], lr=0.1).state_dict()
    with pytest.raises(ValueError, match=r"have \[2\] parameters but this optimizer's groups have"):
        optim.SGD(params, lr=0.1).load_state_dict(saved)


def test_load_state_dict_reports_every_shape_mismatch(rng):
    a, b = make_params(rng, ((2, 2), (3,)))
    opt = optim.Adam([a, b])
    give_grads([a, b], rng)
    opt.step()
    saved = opt.state_dict()
    saved["state"][0]["exp_avg"] = np.zeros((5,), np.float32)
    saved["state"][1]["exp_avg_sq"] = np.zeros((4,), np.float32)
    with pytest.raises(ValueError) as info:
        optim.Adam([a, b]).load_state_dict(saved)
    message = str(info.value)
    assert "state[0]['exp_avg'] has shape (5,)" in message
    assert "state[1]['exp_avg_sq'] has shape (4,)" in message


def test_load_state_dict_rejects_other_objects(rng):
    with pytest.raises(ValueError, match="keys 'state' and 'param_groups'"):
        optim.SGD(make_params(rng), lr=0.1).load_state_dict({"lr": 0.1})


def test_load_state_dict_casts_state_to_the_parameter_dtype(rng):
    params = make_params(rng)
    opt = optim.Adam(params)
    give_grads(params, rng)
    opt.step()
    saved = opt.state_dict()
    for entry in saved["state"].values():
        entry["exp_avg"] = entry["exp_avg"].astype(np.float64)
        entry["step"] = np.array(1.0)  # PyTorch keeps the step as a 0-d float tensor
    fresh = optim.Adam(params)
    fresh.load_state_dict(saved)
    assert fresh.state[params[0]]["exp_avg"].dtype == np.float32
    assert fresh.state[params[0]]["step"] == 1 and isinstance(fresh.state[params[0]]["step"], int)


@pytest.mark.oracle
def test_pytorch_state_dict_converted_to_numpy_loads_and_continues(rng):
    import torch

    weights, x, y = mlp_problem(rng)
    tparams = [torch.nn.Parameter(torch.tensor(w.copy())) for w in weights]
    topt = torch.optim.Adam(tparams, lr=1e-2, foreach=False)
    xt, yt = torch.tensor(x), torch.tensor(y)
    from tests.optim import torch_mlp_loss

    def torch_steps(n):
        for _ in range(n):
            topt.zero_grad()
            torch_mlp_loss(tparams, xt, yt).backward()
            topt.step()

    torch_steps(10)
    state = topt.state_dict()
    converted = {
        "state": {
            i: {k: v.numpy().copy() for k, v in entry.items()}
            for i, entry in state["state"].items()
        },
        "param_groups": state["param_groups"],
    }
    params = [Parameter(p.detach().numpy().copy()) for p in tparams]
    opt = optim.Adam(params, lr=1e-2)
    opt.load_state_dict(converted)
    _train(opt, params, sd.tensor(x), sd.tensor(y), 10)
    torch_steps(10)
    for p, q in zip(params, tparams):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", ["sgd", "adam"])
def test_state_of_a_0d_parameter_survives_a_round_trip(make):
    """A 0-d parameter's momentum buffer is a 0-d array; loading must keep it an array."""
    import scratchdl as sd
    from scratchdl import optim

    def build(p):
        return optim.SGD([p], lr=0.1, momentum=0.9) if make == "sgd" else optim.Adam([p], lr=0.1)

    def run(p, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            ((p - 3.0) * (p - 3.0)).backward()
            opt.step()

    straight = sd.tensor(0.0, requires_grad=True)
    run(straight, build(straight), 20)
    resumed = sd.tensor(0.0, requires_grad=True)
    first = build(resumed)
    run(resumed, first, 10)
    second = build(resumed)
    second.load_state_dict(first.state_dict())
    run(resumed, second, 10)
    assert resumed.item() == straight.item()

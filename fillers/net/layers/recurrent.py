"""Caffe's recurrent layers: LSTM and RNN, whose blobs an unrolled inner net makes, and LSTMUnit.

RecurrentLayer::LayerSetUp (BVLC master 9b89154, src/caffe/layers/recurrent_layer.cpp) writes
a NetParameter unrolled over the T timesteps of bottom[0] (FillUnrolledNet in lstm_layer.cpp
and rnn_layer.cpp) and builds a Net from it inside its own setup. That Net's constructor sets
up its layers in order, and each fills its blobs from the one global stream: a weight every
timestep shares is filled once per timestep, and only the first fill, its owner's, is kept.
The layer's blobs are the inner net's params that own themselves, in the inner net's order.

The setup functions return that NetParameter as `LayerSetup.inner_net`, built as the C++
builds it; planning a net plans the inner net as Net::Init plans any net (shapes, blobs,
shared params), and filling runs all of its fills, in order, on a sequential stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..._proto.filler_pb2 import EltwiseParameter, LayerParameter, NetParameter, RecurrentParameter
from ...errors import FillerError
from .blob import LayerSetup, Shape, canonical_axis, require, shape_string

_INT_MAX = 2**31 - 1


@dataclass(frozen=True)
class _Kind:
    """What RecurrentLayer asks of its subclass: type(), RecurrentInputBlobNames (in the order
    expose_hidden takes them as bottoms), OutputBlobNames, and the width of the input
    transforms in hidden units (4 gates each for LSTM)."""

    type: str
    recur_inputs: tuple[str, ...]
    output: str
    gates: int


_LSTM = _Kind("LSTM", ("h_0", "c_0"), "h", 4)
_RNN = _Kind("RNN", ("h_0",), "o", 1)


def lstm(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """LSTMLayer: blobs W_xc (4H, K), b_c (4H), [W_xc_static (4H, K_s)], W_hc (4H, H); top h
    (T, N, H), then with expose_hidden h_T and c_T (1, N, H).

    x is (T, N, ...), H num_output, K the product of x's axes after the first two, K_s that of
    the static input's after its first. The inner net fills W_hc T times; the first is kept.
    """
    return _recurrent(layer, bottoms, num_tops, _LSTM)


def rnn(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """RNNLayer: blobs W_xh (H, K), b_h (H), [W_xh_static (H, K_s)], W_hh (H, H), W_ho (H, H),
    b_o (H); top o (T, N, H), then with expose_hidden h_T (1, N, H). Names as for `lstm`; the
    inner net fills W_hh, W_ho and b_o once per timestep and keeps the first."""
    return _recurrent(layer, bottoms, num_tops, _RNN)


def lstm_unit(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int) -> LayerSetup:
    """LSTMUnitLayer::Reshape: c_{t-1} (1, N, D), the gate inputs (1, N, 4D) and cont (1, N);
    tops c_t and h_t shaped like c_{t-1}. No blobs."""
    previous, gate_input, _ = bottoms
    instances = previous[canonical_axis(previous, 1)]
    for i, bottom in enumerate(bottoms):
        # Messages are built only on failure: the unrolled LSTM has one unit per timestep.
        axes = 2 if i == 2 else 3
        if len(bottom) != axes:
            raise FillerError(f"bottom[{i}] must have {axes} axes; got {shape_string(bottom)}")
        if bottom[0] != 1:
            raise FillerError(f"bottom[{i}] must be one timestep (1 on axis 0); got {shape_string(bottom)}")
        if bottom[1] != instances:
            raise FillerError(
                f"bottom[{i}] must have bottom[0]'s {instances} instances on axis 1; "
                f"got {shape_string(bottom)}"
            )
    hidden = previous[2]
    if gate_input[2] != 4 * hidden:
        raise FillerError(
            f"bottom[1] (the gate inputs) must have 4 * {hidden} = {4 * hidden} channels on axis 2 "
            f"(4 * bottom[0]'s); got {shape_string(gate_input)}"
        )
    return LayerSetup(tops=(previous, previous))


def _recurrent(layer: LayerParameter, bottoms: Sequence[Shape], num_tops: int, kind: _Kind) -> LayerSetup:
    """RecurrentLayer::SetUp's checks in Caffe's order, its tops, and the net it unrolls."""
    param = layer.recurrent_param
    exposed = len(kind.recur_inputs) if param.expose_hidden else 0
    # Layer::CheckBlobCounts with the counts RecurrentLayer derives from expose_hidden.
    least = 2 + exposed
    require(len(bottoms) >= least, f"{kind.type} Layer takes at least {least} bottom blob(s) as input.")
    require(
        len(bottoms) <= least + 1, f"{kind.type} Layer takes at most {least + 1} bottom blob(s) as input."
    )
    require(num_tops == 1 + exposed, f"{kind.type} Layer produces {1 + exposed} top blob(s) as output.")
    x, cont = bottoms[0], bottoms[1]
    require(len(x) >= 2, "bottom[0] must have at least 2 axes -- (#timesteps, #streams, ...)")
    require(len(cont) == 2, "bottom[1] must have exactly 2 axes -- (#timesteps, #streams)")
    require(
        cont == x[:2],
        f"bottom[1] (sequence continuation) must be bottom[0]'s (#timesteps, #streams) "
        f"{x[0]} {x[1]}; got {shape_string(cont)}",
    )
    static = bottoms[2] if len(bottoms) > least else None
    if static is not None:
        require(len(static) >= 1, "bottom[2] (the static input) must have at least 1 axis")
        require(
            static[0] == x[1],
            f"bottom[2] (the static input) must have bottom[0]'s {x[1]} streams on axis 0; "
            f"got {shape_string(static)}",
        )
    # FillUnrolledNet reads the uint32 num_output into an int.
    hidden = param.num_output - 2**32 if param.num_output > _INT_MAX else param.num_output
    require(hidden > 0, f"num_output must be positive; got {param.num_output}")
    require(
        kind.gates * hidden <= _INT_MAX,
        f"num_output {hidden}: {kind.gates * hidden} outputs of the input transform exceed INT_MAX",
    )
    # Reshape: each exposed hidden state comes in shaped as the recurrent input it replaces.
    state = (1, x[1], hidden)
    for j, name in enumerate(kind.recur_inputs[:exposed]):
        i = 2 + (static is not None) + j
        require(
            bottoms[i] == state,
            f"shape mismatch - recur_input_blobs_[{j}] ({name}): {shape_string(state)} "
            f"vs. bottom[{i}]: {shape_string(bottoms[i])}",
        )
    net = _unrolled(layer, kind, x, cont, static, hidden)
    return LayerSetup(tops=((x[0], x[1], hidden), *(state,) * exposed), inner_net=net)


def _unrolled(
    layer: LayerParameter, kind: _Kind, x: Shape, cont: Shape, static: Shape | None, hidden: int
) -> NetParameter:
    """The NetParameter RecurrentLayer::LayerSetUp builds its inner Net from."""
    net = NetParameter()
    inputs = [("x", x), ("cont", cont)] + ([("x_static", static)] if static is not None else [])
    _input(net, inputs)
    fill = _fill_lstm if kind is _LSTM else _fill_rnn
    fill(net, layer.recurrent_param, x[0], x[1], hidden, static is not None)
    if layer.name:
        for inner in net.layer:
            inner.name = f"{layer.name}_{inner.name}"
    # The pseudo-loss that makes the inner net backpropagate; it owns no blobs.
    loss = _add(net, f"{kind.output}_pseudoloss", "Reduction", [kind.output], [f"{kind.output}_pseudoloss"])
    loss.loss_weight.append(1)
    return net


def _fill_lstm(
    net: NetParameter, param: RecurrentParameter, steps: int, streams: int, hidden: int, static: bool
) -> None:
    """LSTMLayer::FillUnrolledNet."""
    state = (1, streams, hidden)
    _input(net, [("c_0", state), ("h_0", state)])
    cont_slice = _slice(net, "cont_slice", "cont")
    x_weight = _hidden(net, "x_transform", "x", "W_xc_x", 4 * hidden, param, ("W_xc", "b_c"), biased=True)
    x_weight.propagate_down.append(True)
    gate_inputs = ["W_xc_x_static"] if static else []
    if static:
        _static_transform(net, "W_xc", 4 * hidden, param)
    x_slice = _slice(net, "W_xc_x_slice", "W_xc_x")
    concat = LayerParameter(name="h_concat", type="Concat", top=["h"])
    concat.concat_param.axis = 0
    for t in range(1, steps + 1):
        before = t - 1
        cont_slice.top.append(f"cont_{t}")
        x_slice.top.append(f"W_xc_x_{t}")
        _cont_scale(net, before, t)
        _hidden(net, f"transform_{t}", f"h_conted_{before}", f"W_hc_h_{before}", 4 * hidden, param, ("W_hc",))
        _sum(net, f"gate_input_{t}", [f"W_hc_h_{before}", f"W_xc_x_{t}", *gate_inputs], f"gate_input_{t}")
        _add(
            net,
            f"unit_{t}",
            "LSTMUnit",
            [f"c_{before}", f"gate_input_{t}", f"cont_{t}"],
            [f"c_{t}", f"h_{t}"],
        )
        concat.bottom.append(f"h_{t}")
    _add(net, "", "Split", [f"c_{steps}"], ["c_T"])
    net.layer.append(concat)


def _fill_rnn(
    net: NetParameter, param: RecurrentParameter, steps: int, streams: int, hidden: int, static: bool
) -> None:
    """RNNLayer::FillUnrolledNet."""
    _input(net, [("h_0", (1, streams, hidden))])
    cont_slice = _slice(net, "cont_slice", "cont")
    x_weight = _hidden(net, "x_transform", "x", "W_xh_x", hidden, param, ("W_xh", "b_h"), biased=True)
    x_weight.propagate_down.append(True)
    sum_inputs = ["W_xh_x_static"] if static else []
    if static:
        _static_transform(net, "W_xh", hidden, param)
    x_slice = _slice(net, "W_xh_x_slice", "W_xh_x")
    concat = LayerParameter(name="o_concat", type="Concat", top=["o"])
    concat.concat_param.axis = 0
    for t in range(1, steps + 1):
        before = t - 1
        cont_slice.top.append(f"cont_{t}")
        x_slice.top.append(f"W_xh_x_{t}")
        _cont_scale(net, before, t)
        _hidden(net, f"W_hh_h_{before}", f"h_conted_{before}", f"W_hh_h_{before}", hidden, param, ("W_hh",))
        _sum(net, f"h_input_sum_{t}", [f"W_hh_h_{before}", f"W_xh_x_{t}", *sum_inputs], f"h_neuron_input_{t}")
        _add(net, f"h_neuron_{t}", "TanH", [f"h_neuron_input_{t}"], [f"h_{t}"])
        _hidden(net, f"W_ho_h_{t}", f"h_{t}", f"W_ho_h_{t}", hidden, param, ("W_ho", "b_o"), biased=True)
        _add(net, f"o_neuron_{t}", "TanH", [f"W_ho_h_{t}"], [f"o_{t}"])
        concat.bottom.append(f"o_{t}")
    net.layer.append(concat)


def _add(
    net: NetParameter, name: str, layer_type: str, bottoms: list[str], tops: list[str]
) -> LayerParameter:
    return net.layer.add(name=name, type=layer_type, bottom=bottoms, top=tops)


def _input(net: NetParameter, blobs: list[tuple[str, Shape]]) -> None:
    """An unnamed Input layer with these tops and shapes."""
    layer = _add(net, "", "Input", [], [name for name, _ in blobs])
    for _, shape in blobs:
        layer.input_param.shape.add().dim.extend(shape)


def _slice(net: NetParameter, name: str, bottom: str) -> LayerParameter:
    """A Slice along the time axis; the loop over timesteps adds its tops."""
    layer = _add(net, name, "Slice", [bottom], [])
    layer.slice_param.axis = 0
    return layer


def _hidden(
    net: NetParameter,
    name: str,
    bottom: str,
    top: str,
    outputs: int,
    param: RecurrentParameter,
    params: Sequence[str],
    *,
    biased: bool = False,
    axis: int = 2,
) -> LayerParameter:
    """FillUnrolledNet's InnerProduct (hidden_param; biased_hidden_param with `biased`): the
    recurrent_param's weight filler (and bias filler), each param named for sharing."""
    layer = _add(net, name, "InnerProduct", [bottom], [top])
    inner = layer.inner_product_param
    inner.num_output, inner.bias_term, inner.axis = outputs, biased, axis
    inner.weight_filler.CopyFrom(param.weight_filler)
    if biased:
        inner.bias_filler.CopyFrom(param.bias_filler)
    for shared in params:
        layer.param.add(name=shared)
    return layer


def _static_transform(net: NetParameter, weight: str, outputs: int, param: RecurrentParameter) -> None:
    """The static input's transform (its own weight, `weight`_static, no bias), reshaped to one
    timestep (1, N, outputs) so that every timestep's sum can add it."""
    layer = _hidden(
        net,
        f"{weight}_x_static",
        "x_static",
        f"{weight}_x_static_preshape",
        outputs,
        param,
        (f"{weight}_static",),
        axis=1,
    )
    layer.propagate_down.append(True)
    reshape = _add(
        net, f"{weight}_x_static_reshape", "Reshape", [f"{weight}_x_static_preshape"], [f"{weight}_x_static"]
    )
    reshape.reshape_param.shape.dim.extend((1, -1, outputs))


def _cont_scale(net: NetParameter, before: int, t: int) -> None:
    """h_conted_{t-1} := cont_t * h_{t-1}: a Scale on axis 0 by a second bottom, so no blob."""
    layer = _add(net, f"h_conted_{before}", "Scale", [f"h_{before}", f"cont_{t}"], [f"h_conted_{before}"])
    layer.scale_param.axis = 0


def _sum(net: NetParameter, name: str, bottoms: list[str], top: str) -> None:
    layer = _add(net, name, "Eltwise", bottoms, [top])
    layer.eltwise_param.operation = EltwiseParameter.SUM

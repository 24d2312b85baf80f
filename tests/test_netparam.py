"""Reading Caffe nets: parsing, the V1 upgrade, Net::FilterNet's rules, the fillers of a layer."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, text_format

from fillers._proto import filler_pb2
from fillers._proto.pool import class_builder
from fillers.errors import FillerError
from fillers.net.netparam import (
    V1_LAYER_TYPES,
    NetParameter,
    included_layers,
    layer_fillers,
    layer_included,
    net_state,
    read_net,
)

NETS = Path(__file__).parent / "data" / "nets"


def layer(text: str) -> filler_pb2.LayerParameter:
    return text_format.Parse(text, filler_pb2.LayerParameter())


def state(text: str) -> filler_pb2.NetState:
    return text_format.Parse(text, filler_pb2.NetState())


def test_reads_a_path_a_str_path_and_text_alike():
    path = NETS / "lenet_train_test.prototxt"
    from_path, from_str = read_net(path), read_net(str(path))
    from_text = read_net(path.read_text())
    assert from_path == from_str == from_text
    assert from_path.name == "LeNet"
    assert len(from_path.layer) == 11


def test_a_net_message_is_copied_not_shared():
    net = NetParameter(name="n")
    copy = read_net(net)
    copy.name = "changed"
    assert net.name == "n"


def test_another_packages_net_parameter_is_read_through_the_wire_format():
    # A stand-in for a user's caffe_pb2: the same schema under package "caffe", in its own pool.
    schema = descriptor_pb2.FileDescriptorProto.FromString(filler_pb2.DESCRIPTOR.serialized_pb)
    text = text_format.MessageToString(schema).replace(".fillers.", ".caffe.")
    caffe_schema = text_format.Parse(text, descriptor_pb2.FileDescriptorProto())
    caffe_schema.name, caffe_schema.package = "caffe.proto", "caffe"
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(caffe_schema.SerializeToString())
    caffe_net_class = class_builder(pool)(pool.FindMessageTypeByName("caffe.NetParameter"))
    caffe_net = text_format.Parse(
        'layer { name: "ip" inner_product_param { num_output: 3 } }', caffe_net_class()
    )
    net = read_net(caffe_net)
    assert isinstance(net, NetParameter)
    assert net.layer[0].inner_product_param.num_output == 3


def test_a_field_outside_the_schema_is_refused_as_caffe_does():
    with pytest.raises(FillerError, match=r'^line 1:13: NetParameter has no field named "some_future_field"'):
        read_net('name: "ssd" some_future_field: 3')


def test_a_fork_field_its_layer_type_declares_is_read():
    net = read_net(
        'name: "ssd" '
        'layer { name: "conv4_3_norm" type: "Normalize" norm_param { scale_filler { value: 20 } } }'
    )
    assert net.name == "ssd"
    assert net.layer[0].type == "Normalize"
    assert layer_fillers(net.layer[0]) == []  # a fork's filler: not in the LayerParameter


def test_parse_errors_raise_filler_error_with_line_and_column():
    with pytest.raises(FillerError, match=r"^line 1:15: expected a value, found '\}'"):
        read_net("layer { name: }")


def test_a_missing_file_is_reported_as_such(tmp_path):
    with pytest.raises(FillerError, match=r"no such net file: nets/missing\.prototxt"):
        read_net("nets/missing.prototxt")
    with pytest.raises(FillerError, match=r"^cannot read .*missing\.prototxt: No such file"):
        read_net(tmp_path / "missing.prototxt")


def test_a_source_of_another_kind_is_refused():
    with pytest.raises(FillerError, match="prototxt path or prototxt text; got int"):
        read_net(3)


def test_legacy_net_is_upgraded_to_layer_form():
    net = read_net(NETS / "lenet_v1.prototxt")
    assert not net.layers
    assert [(each.name, each.type) for each in net.layer] == [
        ("conv1", "Convolution"),
        ("pool1", "Pooling"),
        ("conv2", "Convolution"),
        ("pool2", "Pooling"),
        ("ip1", "InnerProduct"),
        ("relu1", "ReLU"),
        ("ip2", "InnerProduct"),
        ("prob", "Softmax"),
    ]
    assert list(net.layer[0].bottom) == ["data"] and list(net.layer[0].top) == ["conv1"]
    assert net.layer[0].convolution_param.weight_filler.type == "xavier"
    assert net.layer[1].pooling_param.kernel_size == 2


def test_legacy_blobs_lr_and_weight_decay_become_param_specs():
    net = read_net(NETS / "lenet_v1.prototxt")
    conv1, ip1 = net.layer[0], net.layer[4]
    assert [(p.lr_mult, p.HasField("decay_mult")) for p in conv1.param] == [(1.0, False), (2.0, False)]
    assert [(p.lr_mult, p.decay_mult) for p in ip1.param] == [(1.0, 1.0), (2.0, 0.0)]
    assert not net.layer[1].param


def test_legacy_net_level_inputs_stay_as_written():
    net = read_net(NETS / "lenet_v1.prototxt")
    assert list(net.input) == ["data"]
    assert list(net.input_dim) == [64, 1, 28, 28]


def test_legacy_param_lists_of_different_lengths_fill_param_specs_in_turn():
    net = read_net(
        'layers { name: "ip" type: INNER_PRODUCT param: "shared_w" blob_share_mode: PERMISSIVE '
        "blobs_lr: 1 blobs_lr: 2 }"
    )
    specs = net.layer[0].param
    assert [(p.name, p.HasField("share_mode"), p.lr_mult) for p in specs] == [
        ("shared_w", True, 1.0),
        ("", False, 2.0),
    ]
    assert specs[0].share_mode == filler_pb2.ParamSpec.PERMISSIVE


def test_legacy_rules_loss_weights_and_params_are_carried_over():
    net = read_net(
        'layers { name: "loss" type: SOFTMAX_LOSS include { phase: TRAIN } loss_weight: 0.5 '
        "loss_param { ignore_label: 255 } }"
    )
    loss = net.layer[0]
    assert loss.type == "SoftmaxWithLoss"
    assert loss.include[0].phase == filler_pb2.TRAIN
    assert list(loss.loss_weight) == [0.5]
    assert loss.loss_param.ignore_label == 255


def test_legacy_data_layers_move_transformation_fields_to_transform_param():
    net = read_net(
        'layers { name: "mnist" type: DATA data_param { source: "train_lmdb" scale: 0.00390625 '
        'crop_size: 24 mirror: true mean_file: "mean.binaryproto" } }'
    )
    data = net.layer[0]
    assert text_format.MessageToString(data.data_param, as_one_line=True) == 'source: "train_lmdb"'
    transform = data.transform_param
    assert (transform.scale, transform.crop_size, transform.mirror) == (0.00390625, 24, True)
    assert transform.mean_file == "mean.binaryproto"


@pytest.mark.parametrize(
    ("v1_type", "type_name"),
    [
        ("NONE", ""),
        ("SOFTMAX_LOSS", "SoftmaxWithLoss"),
        ("IM2COL", "Im2col"),
        ("HDF5_DATA", "HDF5Data"),
        ("DECONVOLUTION", "Deconvolution"),
        ("ABSVAL", "AbsVal"),
        ("TANH", "TanH"),
        ("MULTINOMIAL_LOGISTIC_LOSS", "MultinomialLogisticLoss"),
    ],
)
def test_legacy_type_names_follow_caffe(v1_type, type_name):
    net = read_net(f'layers {{ name: "l" type: {v1_type} }}')
    assert net.layer[0].HasField("type")
    assert net.layer[0].type == type_name


def test_every_legacy_type_has_a_name():
    assert set(V1_LAYER_TYPES) == set(filler_pb2.V1LayerParameter.LayerType.keys())


def test_a_legacy_layer_without_type_stays_without_one():
    assert not read_net('layers { name: "l" }').layer[0].HasField("type")


def test_layer_and_layers_together_are_refused_as_in_caffe():
    with pytest.raises(FillerError, match="Refusing to upgrade inconsistent NetParameter input"):
        read_net('layer { name: "a" } layers { name: "b" }')


TRAIN = state("phase: TRAIN")
TEST = state("phase: TEST")


@pytest.mark.parametrize(
    ("rules", "net_state_text", "included"),
    [
        ("", "phase: TRAIN", True),
        ("include { phase: TRAIN }", "phase: TRAIN", True),
        ("include { phase: TRAIN }", "phase: TEST", False),
        ("exclude { phase: TEST }", "phase: TRAIN", True),
        ("exclude { phase: TEST }", "phase: TEST", False),
        ("include { phase: TEST } include { phase: TRAIN }", "phase: TRAIN", True),
        ("include { min_level: 2 }", "level: 1", False),
        ("include { min_level: 2 }", "level: 2", True),
        ("include { max_level: 2 }", "level: 3", False),
        ("include { stage: 'deploy' }", "stage: 'deploy'", True),
        ("include { stage: 'deploy' }", "", False),
        ("include { stage: 'a' stage: 'b' }", "stage: 'a'", False),
        ("include { not_stage: 'deploy' }", "stage: 'deploy'", False),
        ("include { not_stage: 'deploy' }", "stage: 'train'", True),
        ("exclude { phase: TEST stage: 'x' }", "phase: TEST", True),
        ("phase: TEST", "phase: TRAIN", True),
    ],
)
def test_layer_included_follows_net_filter_net(rules, net_state_text, included):
    assert layer_included(layer(f'name: "l" {rules}'), state(net_state_text)) is included


def test_include_and_exclude_together_is_caffes_check_failure():
    with pytest.raises(FillerError, match=r"Specify either include rules or exclude rules; not both\."):
        layer_included(layer("include { phase: TRAIN } exclude { phase: TEST }"), TRAIN)


def test_net_state_takes_phase_and_level_and_adds_stages():
    net = read_net("state { phase: TRAIN level: 5 stage: 'from_file' }")
    built = net_state(net, "TEST", stages=["extra"])
    assert (built.phase, built.level, list(built.stage)) == (filler_pb2.TEST, 0, ["from_file", "extra"])
    assert net_state(net, 0).phase == filler_pb2.TRAIN


@pytest.mark.parametrize("phase", ["train", "VAL", 2, True, None])
def test_net_state_refuses_unknown_phases(phase):
    with pytest.raises(FillerError, match="is not a phase; allowed: TRAIN, TEST"):
        net_state(NetParameter(), phase)


def test_included_layers_keeps_each_phases_data_layer():
    net = read_net(NETS / "lenet_train_test.prototxt")
    train = [
        (each.name, each.data_param.batch_size) for each in included_layers(net, TRAIN) if each.type == "Data"
    ]
    test = [each.name for each in included_layers(net, TEST)]
    assert train == [("mnist", 64)]
    assert test == ["mnist", "conv1", "pool1", "conv2", "pool2", "ip1", "relu1", "ip2", "accuracy", "loss"]


def test_layer_fillers_in_field_order():
    scale = layer("scale_param { bias_term: true bias_filler { value: 0 } filler { value: 1 } }")
    assert [(name, p.value) for name, p in layer_fillers(scale)] == [("filler", 1.0), ("bias_filler", 0.0)]


def test_repeated_fillers_are_numbered():
    dummy = layer(
        "dummy_data_param { data_filler { type: 'constant' } data_filler { type: 'gaussian' } "
        "shape { dim: 1 } }"
    )
    assert [(name, p.type) for name, p in layer_fillers(dummy)] == [
        ("data_filler.0", "constant"),
        ("data_filler.1", "gaussian"),
    ]


def test_only_written_fillers_are_listed():
    assert layer_fillers(layer("convolution_param { num_output: 3 }")) == []
    assert layer_fillers(layer("prelu_param { channel_shared: true }")) == []


def test_every_filler_holding_param_is_found():
    names = {
        f"{param.name}.{field.name}"
        for param in filler_pb2.LayerParameter.DESCRIPTOR.fields
        if param.message_type is not None
        for field in param.message_type.fields
        if field.message_type is filler_pb2.FillerParameter.DESCRIPTOR
    }
    assert names == {
        "bias_param.filler",
        "convolution_param.weight_filler",
        "convolution_param.bias_filler",
        "dummy_data_param.data_filler",
        "embed_param.weight_filler",
        "embed_param.bias_filler",
        "inner_product_param.weight_filler",
        "inner_product_param.bias_filler",
        "prelu_param.filler",
        "recurrent_param.weight_filler",
        "recurrent_param.bias_filler",
        "scale_param.filler",
        "scale_param.bias_filler",
    }

"""Caffe's UpgradeNetAsNeeded for the legacy V1 form: `layers { type: CONVOLUTION ... }` becomes
`layer { type: "Convolution" ... }` as UpgradeNetDataTransformation then UpgradeV1Net do."""

from __future__ import annotations

from .._proto import filler_pb2
from ..errors import FillerError

NetParameter = filler_pb2.NetParameter
LayerParameter = filler_pb2.LayerParameter
V1LayerParameter = filler_pb2.V1LayerParameter

# Caffe's UpgradeV1LayerType: the V1 enum name -> the layer type string of today's registry.
V1_LAYER_TYPES = {
    "NONE": "",
    "ABSVAL": "AbsVal",
    "ACCURACY": "Accuracy",
    "ARGMAX": "ArgMax",
    "BNLL": "BNLL",
    "CONCAT": "Concat",
    "CONTRASTIVE_LOSS": "ContrastiveLoss",
    "CONVOLUTION": "Convolution",
    "DECONVOLUTION": "Deconvolution",
    "DATA": "Data",
    "DROPOUT": "Dropout",
    "DUMMY_DATA": "DummyData",
    "EUCLIDEAN_LOSS": "EuclideanLoss",
    "ELTWISE": "Eltwise",
    "EXP": "Exp",
    "FLATTEN": "Flatten",
    "HDF5_DATA": "HDF5Data",
    "HDF5_OUTPUT": "HDF5Output",
    "HINGE_LOSS": "HingeLoss",
    "IM2COL": "Im2col",
    "IMAGE_DATA": "ImageData",
    "INFOGAIN_LOSS": "InfogainLoss",
    "INNER_PRODUCT": "InnerProduct",
    "LRN": "LRN",
    "MEMORY_DATA": "MemoryData",
    "MULTINOMIAL_LOGISTIC_LOSS": "MultinomialLogisticLoss",
    "MVN": "MVN",
    "POOLING": "Pooling",
    "POWER": "Power",
    "RELU": "ReLU",
    "SIGMOID": "Sigmoid",
    "SIGMOID_CROSS_ENTROPY_LOSS": "SigmoidCrossEntropyLoss",
    "SILENCE": "Silence",
    "SOFTMAX": "Softmax",
    "SOFTMAX_LOSS": "SoftmaxWithLoss",
    "SPLIT": "Split",
    "SLICE": "Slice",
    "TANH": "TanH",
    "WINDOW_DATA": "WindowData",
    "THRESHOLD": "Threshold",
}

# UpgradeNetDataTransformation: V1 data layers whose own param held the transformation fields.
_V1_DATA_PARAMS = {"DATA": "data_param", "IMAGE_DATA": "image_data_param", "WINDOW_DATA": "window_data_param"}
_TRANSFORM_FIELDS = ("scale", "mean_file", "crop_size", "mirror")


def upgrade_net_as_needed(net: NetParameter) -> NetParameter:
    """Caffe's UpgradeNetAsNeeded for the V1 form: its UpgradeNetDataTransformation then
    UpgradeV1Net turn `layers` into `layer`. A net without `layers` is returned as it is."""
    if not net.layers:
        return net
    if net.layer:
        raise FillerError(
            "Refusing to upgrade inconsistent NetParameter input; the definition includes both "
            "'layer' and 'layers' fields. The current format defines 'layer' fields with string "
            "type like layer { type: 'Layer' ... } and not layers { type: LAYER ... }. "
            "Manually switch the definition to 'layer' format to continue."
        )
    upgraded = NetParameter()
    upgraded.CopyFrom(net)
    upgraded.ClearField("layers")
    for v1_layer in net.layers:
        _upgrade_v1_layer(v1_layer, upgraded.layer.add())
    return upgraded


def _upgrade_v1_layer(v1_layer: V1LayerParameter, layer: LayerParameter) -> None:
    """Caffe's UpgradeV1LayerParameter, for the fields our schema carries."""
    layer.bottom.extend(v1_layer.bottom)
    layer.top.extend(v1_layer.top)
    if v1_layer.HasField("name"):
        layer.name = v1_layer.name
    layer.include.extend(v1_layer.include)
    layer.exclude.extend(v1_layer.exclude)
    if v1_layer.HasField("type"):
        layer.type = V1_LAYER_TYPES[V1LayerParameter.LayerType.Name(v1_layer.type)]
    layer.blobs.extend(v1_layer.blobs)
    # param names, share modes, blobs_lr and weight_decay each fill the i-th ParamSpec,
    # adding ParamSpecs as needed: the lists need not have the same length. The two
    # DimCheckMode enums number STRICT and PERMISSIVE alike.
    for name, values in (
        ("name", v1_layer.param),
        ("share_mode", v1_layer.blob_share_mode),
        ("lr_mult", v1_layer.blobs_lr),
        ("decay_mult", v1_layer.weight_decay),
    ):
        for i, value in enumerate(values):
            while len(layer.param) <= i:
                layer.param.add()
            setattr(layer.param[i], name, value)
    layer.loss_weight.extend(v1_layer.loss_weight)
    for field, value in v1_layer.ListFields():
        if field.name.endswith("_param"):
            getattr(layer, field.name).CopyFrom(value)
    _move_transform_fields(v1_layer, layer)


def _move_transform_fields(v1_layer: V1LayerParameter, layer: LayerParameter) -> None:
    """UpgradeNetDataTransformation: old data layers kept scale/mean_file/crop_size/mirror in
    their own param; Caffe moves them to transform_param."""
    if not v1_layer.HasField("type"):
        return
    param_name = _V1_DATA_PARAMS.get(V1LayerParameter.LayerType.Name(v1_layer.type))
    if param_name is None or not layer.HasField(param_name):
        return
    data_param = getattr(layer, param_name)
    for name in _TRANSFORM_FIELDS:
        if data_param.HasField(name):
            setattr(layer.transform_param, name, getattr(data_param, name))
            data_param.ClearField(name)

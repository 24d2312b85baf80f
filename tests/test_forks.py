"""Published nets of Caffe forks (tests/data/forks, origins in its README), each blob's shape
checked against the fork's own setup code. How each expected shape follows from that code is
written beside it; docs/forks.md names the files mirrored."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import fillers
from fillers.net.plan import plan_net

FORKS = Path(__file__).parent / "data" / "forks"


def shapes(plan, layer):
    return [blob.shape for blob in plan.blobs if blob.layer == layer]


def tops(plan, layer):
    return dict(next(item for item in plan.layers if item.name == layer).tops)


def test_mobilenet_ssd_train():
    plan = plan_net(FORKS / "MobileNetSSD_train.prototxt", input_shapes={"data": (24, 3, 300, 300)})
    # AnnotatedData: batch_size 24, resize_param WARP 300x300; channels from the LMDB (3).
    assert tops(plan, "data")["data"] == (24, 3, 300, 300)
    # Its draws: DataReader body thread (1) + InitRand twice (mirror: true) + prefetch thread (1).
    assert plan.layers[0].setup_draws == 4
    # PriorBox Reshape: (1, 2, H * W * num_priors * 4). conv11 is 19x19 with min_size 60 and
    # aspect_ratio 2, flip: ratios {1, 2, 1/2} -> 3 priors; conv13 (10x10) adds ratio 3 and a
    # max_size: {1, 2, 1/2, 3, 1/3} + 1 -> 6 priors.
    assert tops(plan, "conv11_mbox_priorbox")["conv11_mbox_priorbox"] == (1, 2, 19 * 19 * 3 * 4)
    assert tops(plan, "conv13_mbox_priorbox")["conv13_mbox_priorbox"] == (1, 2, 10 * 10 * 6 * 4)
    # Permute order 0, 2, 3, 1 of (24, 12, 19, 19).
    assert tops(plan, "conv11_mbox_loc_perm")["conv11_mbox_loc_perm"] == (24, 19, 19, 12)
    # MultiBoxLoss's Reshape checks hold: priors * 4 == loc channels, priors * 21 == conf channels.
    assert tops(plan, "mbox_loc")["mbox_loc"] == (24, 7668)
    assert tops(plan, "mbox_conf")["mbox_conf"] == (24, 7668 // 4 * 21)
    # Convolution (BVLC) and ConvolutionDepthwise-free MobileNet: group convolutions.
    assert shapes(plan, "conv1/dw") == [(32, 1, 3, 3)]
    assert shapes(plan, "conv0/bn") == [(32,), (32,), (1,)]


def test_mobilenet_ssd_asks_for_the_channels_with_the_flag_to_type():
    with pytest.raises(
        fillers.FillerError, match=r"input_shapes=\{'data': \(\.\.\.\)\} \(the prototxt fixes 24,\?,300,300\)"
    ):
        plan_net(FORKS / "MobileNetSSD_train.prototxt")
    with pytest.raises(fillers.FillerError, match=r"\(24, 3, 227, 227\) contradicts.*24,\?,300,300"):
        plan_net(FORKS / "MobileNetSSD_train.prototxt", input_shapes={"data": (24, 3, 227, 227)})


def test_segnet_train_bn_blobs_and_fillers():
    plan = plan_net(FORKS / "segnet_train.prototxt", input_shapes={"data": (4, 3, 360, 480)})
    # caffe-segnet BNLayer::LayerSetUp: blobs_[0] scale (1, C, 1, 1) from bn_param.scale_filler,
    # blobs_[1] shift (1, C, 1, 1) from shift_filler.
    bn = [blob for blob in plan.blobs if blob.layer == "conv1_1_bn"]
    assert [blob.shape for blob in bn] == [(1, 64, 1, 1), (1, 64, 1, 1)]
    assert [(blob.filler.type, blob.filler.value) for blob in bn] == [
        ("constant", 1.0),
        ("constant", pytest.approx(0.001)),
    ]
    assert sum(blob.layer_type == "BN" for blob in plan.blobs) == 2 * 25
    # Upsample with upsample_h/w 23x30 (the pooled 22.5 rounded up by Pooling's ceil).
    assert tops(plan, "upsample5")["pool5_D"] == (4, 512, 23, 30)
    # DenseImageData: batch_size 4, shuffle -> one seed draw; no mirror or crop.
    assert plan.layers[0].setup_draws == 1
    specs = fillers.load_all(FORKS / "segnet_train.prototxt")
    assert len(specs) == 102  # every conv's two fillers and every BN's two
    assert specs["conv1_1_bn/scale_filler"] == fillers.FillerParameter(type="constant", value=1)


def test_bayesian_segnet_inference_bn_blobs_are_not_dropped():
    plan = plan_net(
        FORKS / "bayesian_segnet_basic_inference.prototxt",
        phase="TEST",
        input_shapes={"data": (8, 3, 360, 480)},
    )
    bn_blobs = [blob for blob in plan.blobs if blob.layer_type == "BN"]
    assert len(bn_blobs) == 16 and len({blob.layer for blob in bn_blobs}) == 8
    # Without bn_param fillers, FillerParameter's default: constant 0.
    with pytest.raises(fillers.FillerError, match=r"lays out itself"):
        plan_net(
            FORKS / "bayesian_segnet_basic_inference.prototxt",
            input_shapes={"data": (8, 3, 360, 480)},
            shape_rules={"BN": "same"},
        )


def test_py_faster_rcnn_vgg16_end2end_train():
    plan = plan_net(FORKS / "vgg16_faster_rcnn_end2end_train.pt")
    # RoIDataLayer.setup with HAS_RPN (three tops): data (IMS_PER_BATCH 1, 3, 600, 1000).
    assert tops(plan, "input-data") == {"data": (1, 3, 600, 1000), "im_info": (1, 3), "gt_boxes": (1, 4)}
    # AnchorTargetLayer.setup: 9 anchors (3 ratios x scales 8, 16, 32) over conv5_3's 38x63.
    labels = tops(plan, "rpn-data")["rpn_labels"]
    assert labels == (1, 1, 9 * 38, 63)
    # ProposalTargetLayer.setup: num_classes 21 -> (1, 84) targets; ROIPooling 7x7 of 512 channels
    # for each of the (1 at setup) rois; so fc6 is (4096, 512 * 7 * 7).
    assert tops(plan, "roi-data")["bbox_targets"] == (1, 84)
    assert tops(plan, "roi_pool5")["pool5"] == (1, 512, 7, 7)
    assert shapes(plan, "fc6") == [(4096, 25088), (4096,)]
    assert shapes(plan, "bbox_pred") == [(84, 4096), (84,)]


def test_rfcn_resnet50_psroi_pooling():
    plan = plan_net(FORKS / "rfcn_resnet50_train_agnostic.prototxt")
    # PSROIPooling: (rois, output_dim, group_size, group_size); rfcn_cls has 21 * 7 * 7 channels.
    assert tops(plan, "psroipooled_cls_rois")["psroipooled_cls_rois"] == (1, 21, 7, 7)
    assert shapes(plan, "rfcn_cls") == [(21 * 49, 1024, 1, 1), (21 * 49,)]


def test_tsn_bn_inception_rgb():
    plan = plan_net(FORKS / "tsn_bn_inception_rgb_train_val.prototxt")
    # VideoData: (batch 32, 3 colors x new_length 1 x 3 segments, crop 224); draws: InitRand x2
    # (mirror), the shuffle seed, the frame generator's seed.
    assert tops(plan, "data")["data"] == (32, 9, 224, 224)
    assert plan.layers[0].setup_draws == 4
    # yjxiong BNLayer: slope, bias, running mean, running variance, each (1, C).
    assert shapes(plan, "conv1/7x7_s2_bn") == [(1, 64)] * 4
    assert shapes(plan, "fc-action") == [(101, 1024), (101,)]


def test_pspnet_interp_and_bn():
    plan = plan_net(FORKS / "pspnet50_ADE20K_473.prototxt")
    # PSPNet's BNLayer lays out (1, C, 1, 1); frozen: true -> variance ones.
    bn = [blob for blob in plan.blobs if blob.layer == "conv1_1_3x3_s2/bn"]
    assert [blob.shape for blob in bn] == [(1, 64, 1, 1)] * 4
    assert bn[2].filler is None and bn[3].filler == fillers.FillerParameter(type="constant", value=1)
    # Interp with height/width or zoom/shrink back to 60x60 feature maps.
    interp = [layer for layer in plan.layers if layer.type == "Interp"]
    assert {top[1][2:] for layer in interp for top in layer.tops} == {(60, 60), (473, 473)}


def test_shufflenet_and_depthwise_convolution():
    plan = plan_net(FORKS / "shufflenet_1x_g3_deploy.prototxt")
    # ConvolutionDepthwise: (C, 1, kh, kw) whatever num_output says.
    assert shapes(plan, "resx1_conv2") == [(54, 1, 3, 3)]
    assert all(layer.tops[0][1] is not None for layer in plan.layers if layer.type == "ShuffleChannel")
    plan = plan_net(FORKS / "depthwised_mobilenet_deploy.prototxt")
    # DepthwiseConvolution is a BaseConvolutionLayer: (num_output, C / group, kh, kw).
    assert shapes(plan, "conv2_1/dw") == [(32, 1, 3, 3)]


def test_fork_nets_fill():
    params = fillers.init_net(FORKS / "pspnet50_ADE20K_473.prototxt", seed=1)
    assert np.all(params["conv1_1_3x3_s2/bn"][3] == 1)
    assert math.prod(params["conv5_4"][0].shape) == 512 * 4096 * 9


def test_every_fork_layer_names_its_origin():
    from fillers.net.layers import definition_of

    for name in ("Normalize", "PriorBox", "BN", "Interp", "PSROIPooling", "VideoData", "ReLU6"):
        assert definition_of(name).origin not in ("", "plugin")


def test_docs_plugin_example_runs(capsys):
    import re

    page = (Path(__file__).resolve().parent.parent / "docs" / "nets.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", page, flags=re.S) if "register_layer" in b)
    try:
        exec(compile(block, "docs/nets.md", "exec"), {})
        assert capsys.readouterr().out.strip() == "True (3,)"
    finally:
        fillers.unregister_layer("ChannelGain")

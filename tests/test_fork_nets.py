"""Published nets of the forks surveyed for issue 19 (tests/data/forks, origins in its README),
each checked blob and top shape derived, beside it, from the fork's own setup code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fillers
from fillers.net.plan import plan_net

FORKS = Path(__file__).parent / "data" / "forks"


def shapes(plan, layer):
    return [blob.shape for blob in plan.blobs if blob.layer == layer]


def fillers_of(plan, layer):
    return [blob.filler for blob in plan.blobs if blob.layer == layer]


def tops(plan, layer):
    return dict(next(item for item in plan.layers if item.name == layer).tops)


def layer_of(plan, name):
    return next(item for item in plan.layers if item.name == name)


def test_senet_axpy_tops_follow_the_features_not_the_scales():
    plan = plan_net(FORKS / "senet_se_resnet50.prototxt")
    # AxpyLayer::Reshape: top ReshapeLike(bottom[1]) (the 1x1 increase, 256 x 56 x 56); the
    # scale bottom 0 is the excitation (1, 256, 1, 1).
    assert tops(plan, "conv2_1_1x1_up")["conv2_1_1x1_up"] == (1, 256, 1, 1)
    assert tops(plan, "conv2_1")["conv2_1"] == (1, 256, 56, 56)
    assert shapes(plan, "conv2_1_1x1_down") == [(16, 256, 1, 1), (16,)]
    assert shapes(plan, "classifier") == [(1000, 2048), (1000,)]


def test_ctpn_lstm_blobs():
    # Im2col is BVLC's; where this build has no definition, its top is given: a 3x3 im2col
    # of VGG16's conv5_3 (512 x 38 x 57 for the 600 x 900 input) has 512 * 9 channels.
    # Its last layer, the Python proposal layer, is not built: its top does not matter here.
    rules = {"Python": "same"}
    if "Im2col" not in fillers.registered_layers():
        rules["Im2col"] = (1, 4608, 38, 57)
    plan = plan_net(FORKS / "ctpn_deploy.prototxt", shape_rules=rules)
    assert tops(plan, "conv5_3")["conv5_3"] == (1, 512, 38, 57)
    # Transpose dim 3, 2, 0, 1 then Reshape to (W, H, C): T = 57 steps of N = 38 rows.
    assert tops(plan, "lstm_input")["lstm_input"] == (57, 38, 4608)
    # LstmLayer::LayerSetUp: (4H, I) and (4H, H) by weight_filler, (4H,) by bias_filler.
    assert shapes(plan, "lstm") == [(512, 4608), (512, 128), (512,)]
    assert fillers_of(plan, "lstm")[0] == fillers.FillerParameter(type="gaussian", std=0.01)
    # rlstm's lstm_param names no filler: FillerParameter's default, constant 0.
    assert fillers_of(plan, "rlstm") == [fillers.FillerParameter()] * 3
    # Reverse keeps the shape; Lstm's top is (T, N, H).
    assert tops(plan, "lstm-reverse2")["rlstm"] == (57, 38, 128)
    assert tops(plan, "merge_lstm_rlstm")["merge_lstm_rlstm"] == (57, 38, 256)


def test_hed_image_labelmap_data():
    plan = plan_net(FORKS / "hed_train_val.prototxt", input_shapes={"data": (1, 3, 321, 481)})
    # ImageLabelmapData: no mirror or crop; shuffle: its seed, then the prefetch thread's.
    assert layer_of(plan, "data").setup_draws == 2
    assert tops(plan, "crop")["upscore-dsn1"] == (1, 1, 321, 481)
    assert shapes(plan, "upsample_16") == [(1, 1, 32, 32), (1,)]


def test_faceboxes_prior_box_densities():
    plan = plan_net(FORKS / "faceboxes_train.prototxt", input_shapes={"data": (16, 3, 1024, 1024)})
    # FaceBoxes' PriorBoxLayer: three min_sizes make 21 priors (4x4 + 2x2 + 1 dense anchors)
    # on inception_a3's 32 x 32 map; SSD's would make 3, which MultiBoxLoss refuses.
    prior = tops(plan, "inception_a3_concat_mbox_priorbox")["inception_a3_concat_mbox_priorbox"]
    assert prior == (1, 2, 32 * 32 * 21 * 4)
    assert tops(plan, "conv3_2_mbox_priorbox")["conv3_2_mbox_priorbox"] == (1, 2, 16 * 16 * 1 * 4)
    # AnnotatedData: mirror -> InitRand twice; the DataReader's and the prefetch thread's seeds.
    assert layer_of(plan, "data").setup_draws == 4
    with pytest.raises(fillers.FillerError, match="Number of priors must match"):
        plan_net(
            FORKS / "faceboxes_train.prototxt", input_shapes={"data": (16, 3, 1024, 1024)}, forks=("ssd",)
        )


def test_center_loss_centers():
    plan = plan_net(FORKS / "caffe_face_train_test.prototxt", input_shapes={"data": (256, 3, 112, 96)})
    # CenterLossLayer::LayerSetUp: (num_output, K) with K the features' count from axis 1.
    assert shapes(plan, "center_loss") == [(10572, 512)]
    assert fillers_of(plan, "center_loss")[0].type == "xavier"
    assert tops(plan, "center_loss")["center_loss"] == ()


def test_sphereface_margin_inner_product():
    plan = plan_net(FORKS / "sphereface_model.prototxt", input_shapes={"data": (256, 3, 112, 96)})
    # MarginInnerProductLayer: weight (num_output, K), no bias; tops (M, N) and lambda (1,).
    assert shapes(plan, "fc6") == [(10572, 512)]
    assert tops(plan, "fc6") == {"fc6": (256, 10572), "lambda": (1,)}


def test_am_softmax_takes_caffe_windows_normalize():
    plan = plan_net(FORKS / "amsoftmax_face_train_test.prototxt", input_shapes={"data": (256, 3, 112, 96)})
    # The net uses caffe-windows' LabelSpecificAdd, so its Normalize is caffe-windows' (no
    # blobs, legacy 4-axis top), not SSD's (a scale blob).
    assert shapes(plan, "norm1") == []
    assert tops(plan, "norm1")["norm1"] == (256, 512, 1, 1)
    assert shapes(plan, "fc6_l2") == [(10516, 512)]
    assert tops(plan, "label_specific_margin")["fc6_margin"] == (256, 10516)


def test_yolov3_upsample_doubles_the_last_two_axes():
    plan = plan_net(FORKS / "yolov3_416.prototxt")
    assert tops(plan, "layer86-upsample")["layer86-upsample"] == (1, 256, 26, 26)
    assert tops(plan, "layer98-upsample")["layer98-upsample"] == (1, 128, 52, 52)


def test_yolov2_reorg():
    plan = plan_net(FORKS / "darknet19_yolov2_train.prototxt", input_shapes={"data": (12, 3, 416, 416)})
    # ReorgLayer, stride 2: (N, C * 4, H / 2, W / 2) of conv21's (12, 64, 26, 26).
    assert tops(plan, "conv21")["conv21"] == (12, 64, 26, 26)
    assert tops(plan, "reorg1")["reorg1"] == (12, 256, 13, 13)
    assert tops(plan, "Region_Loss")["det_loss1"] == ()


def test_textboxes_priors_offset_vertically_double():
    plan = plan_net(FORKS / "textboxes_deploy.prototxt", phase="TEST")
    # TextBoxes' PriorBoxLayer: ratios 1, 2, 3, 5, 7, 10 (no flip) for its one min_size,
    # doubled (each box again, half a cell lower): 12 priors on conv4_3's 88 x 88.
    assert tops(plan, "conv4_3_norm")["conv4_3_norm"][2:] == (88, 88)
    prior = tops(plan, "conv4_3_norm_mbox_priorbox")["conv4_3_norm_mbox_priorbox"]
    assert prior == (1, 2, 88 * 88 * 12 * 4)
    # TRAIN leaves out DetectionOutput, the only layer that tells SSD's count from this one;
    # PriorBox has no blobs, so every candidate fills the net alike and any one will do.
    train = plan_net(FORKS / "textboxes_deploy.prototxt")
    assert train.blobs == plan_net(FORKS / "textboxes_deploy.prototxt", forks=("textboxes",)).blobs


def test_textboxes_plus_plus_denser_priors_and_quadrilaterals():
    plan = plan_net(FORKS / "textboxes_pp_deploy.prototxt", phase="TEST")
    # denser_prior_boxes doubles SSD's count: ratios 1, 2, 3, 4, 5 and their flips (9) plus
    # the max_size box, twice: 20 priors on conv4_3's 96 x 96.
    prior = tops(plan, "conv4_3_norm_mbox_priorbox")["conv4_3_norm_mbox_priorbox"]
    assert prior == (1, 2, 96 * 96 * 20 * 4)
    # use_polygon (its default): 12 location values per prior, a box and a quadrilateral.
    assert shapes(plan, "conv4_3_norm_mbox_loc")[0][0] == 20 * 12


def test_rfcn_ohem_on_microsoft_caffe():
    plan = plan_net(FORKS / "rfcn_resnet50_train_agnostic_ohem.prototxt")
    # py-R-FCN's ProposalTargetLayer.setup: 4-axis tops; class-agnostic: 2 classes x 4.
    assert tops(plan, "roi-data")["bbox_targets"] == (1, 8, 1, 1)
    # SoftmaxWithLossOHEM: loss, probabilities like the scores, per-RoI loss like the labels.
    assert tops(plan, "per_roi_loss_cls") == {
        "temp_loss_cls": (),
        "temp_prob_cls": (1, 21, 1, 1),
        "per_roi_loss_cls": (1, 1, 1, 1),
    }
    # BoxAnnotatorOHEM: labels (N, 1, H, W), bbox loss weights (N, bbox channels, H, W).
    assert tops(plan, "annotator_detector") == {
        "labels_ohem": (1, 1, 1, 1),
        "bbox_loss_weights_ohem": (1, 8, 1, 1),
    }


def test_mobilenet_ssd_test_detection_evaluate():
    plan = plan_net(
        FORKS / "MobileNetSSD_test.prototxt", phase="TEST", input_shapes={"data": (8, 3, 300, 300)}
    )
    # DetectionEvaluateLayer::Reshape: 20 positive classes (21, background 0) + the one row of
    # the freshly zeroed detections, 5 values each.
    assert tops(plan, "detection_eval")["detection_eval"] == (1, 1, 21, 5)


def test_lstm_fills_its_blobs_in_order_from_caffes_stream():
    net = (
        'layer { name: "x" type: "Input" top: "x" input_param { shape { dim: 5 dim: 2 dim: 3 } } }\n'
        'layer { name: "lstm" type: "Lstm" bottom: "x" top: "h"\n'
        '  lstm_param { num_output: 4 weight_filler { type: "uniform" min: -0.1 max: 0.1 }\n'
        '               bias_filler { type: "constant" value: 1 } } }\n'
    )
    params = fillers.init_net(net, seed=7)
    # LstmLayer::LayerSetUp fills W_x (16, 3), then W_h (16, 4) with weight_filler, then the bias.
    rng = fillers.CaffeRNG(7)
    weight = fillers.get_filler({"type": "uniform", "min": -0.1, "max": 0.1})
    np.testing.assert_array_equal(params["lstm"][0], weight.fill((16, 3), rng=rng))
    np.testing.assert_array_equal(params["lstm"][1], weight.fill((16, 4), rng=rng))
    assert np.all(params["lstm"][2] == 1) and params["lstm"][2].shape == (16,)


IMAGE_SEG_DATA = """
layer { name: "data" type: "ImageSegData" top: "data" top: "label" top: "data_dim"
  include { phase: TRAIN }
  transform_param { mirror: true %s }
  image_data_param { source: "no/such/list.txt" batch_size: 10 shuffle: true label_type: PIXEL } }
"""


def test_image_seg_data_crops_and_draws():
    plan = plan_net(IMAGE_SEG_DATA % "crop_size: 321")
    # DeepLab's ImageSegDataLayer: (batch, 3, crop, crop), labels (batch, 1, crop, crop), image
    # sizes (batch, 1, 1, 2). Draws: InitRand twice (mirror), the shuffle seed, the thread's.
    assert dict(plan.layers[0].tops) == {
        "data": (10, 3, 321, 321),
        "label": (10, 1, 321, 321),
        "data_dim": (10, 1, 1, 2),
    }
    assert plan.layers[0].setup_draws == 4
    plan = plan_net(IMAGE_SEG_DATA % "crop_height: 200 crop_width: 300")
    assert dict(plan.layers[0].tops)["label"] == (10, 1, 200, 300)
    with pytest.raises(fillers.FillerError, match="Must either specify crop_size or both crop_height"):
        plan_net(IMAGE_SEG_DATA % "crop_size: 321 crop_height: 200 crop_width: 300")


CPM_DATA = """
layer { name: "data" type: "CPMData" top: "data" top: "label"
  data_param { source: "no/such/lmdb" batch_size: 10 backend: LMDB }
  cpm_transform_param { stride: 8 crop_size_x: 368 crop_size_y: 368 num_parts: 56 mirror: false } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "gaussian" std: 0.01 } } }
"""


def test_openpose_cpm_data():
    plan = plan_net(CPM_DATA, input_shapes={"data": (10, 3, 368, 368)})
    # CPMDataLayer in TRAIN: (batch, C, crop_size_y, crop_size_x); labels (batch, 2 x (56 + 1),
    # 368 / 8, 368 / 8). Draws: the DataReader's body and prefetch threads; no InitRand.
    assert dict(plan.layers[0].tops)["label"] == (10, 114, 46, 46)
    assert plan.layers[0].setup_draws == 2
    with pytest.raises(fillers.FillerError, match=r"contradicts.*10,\?,368,368"):
        plan_net(CPM_DATA, input_shapes={"data": (10, 3, 300, 300)})


def test_enet_encoder_labels_divided():
    plan = plan_net(FORKS / "enet_train_encoder.prototxt")
    # caffe-enet's DenseImageDataLayer: new size 512 x 1024, labels divided by
    # label_divide_factor 8 (the encoder's output resolution); shuffle: one seed draw.
    assert dict(plan.layers[0].tops) == {"data": (4, 3, 512, 1024), "label": (4, 1, 64, 128)}
    assert plan.layers[0].setup_draws == 1
    # SpatialDropoutLayer.reshape: shaped like its bottom; BN is SegNet's (1, C, 1, 1) pair.
    assert tops(plan, "drop1_0_3")["drop1_0_3"] == (4, 64, 128, 256)
    assert shapes(plan, "bn0_1") == [(1, 16, 1, 1), (1, 16, 1, 1)]

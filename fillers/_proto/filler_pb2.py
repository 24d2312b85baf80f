"""Generated from proto/filler.proto by proto/generate.py; do not edit by hand.

The schema (fillers/_proto/filler.proto) as a serialized FileDescriptorProto, loaded into a private
descriptor pool by fillers/_proto/pool.py: no protobuf version check, no shared names.
"""

from fillers._proto.pool import load_schema

_SERIALIZED_FILE = (
    b'\n\x1bfillers/_proto/filler.proto\x12\x07fillers"Q\n\x0bNamedFiller\x12\x12\n\x04name\x18\x01 '
    b'\x01(\tR\x04name\x12.\n\x05param\x18\x02 \x01(\x0b2\x18.fillers.FillerParameterR\x05param"9\n\tFil'
    b'lerSet\x12,\n\x06filler\x18\x01 \x03(\x0b2\x14.fillers.NamedFillerR\x06filler"!\n\tBlobShap'
    b'e\x12\x14\n\x03dim\x18\x01 \x03(\x03B\x02\x10\x01R\x03dim"\x97\x02\n\tBlobProto\x12(\n\x05shape\x18\x07 \x01(\x0b2\x12.fillers.B'
    b'lobShapeR\x05shape\x12\x16\n\x04data\x18\x05 \x03(\x02B\x02\x10\x01R\x04data\x12\x16\n\x04diff\x18\x06 \x03(\x02B\x02\x10\x01R\x04diff\x12'
    b'#\n\x0bdouble_data\x18\x08 \x03(\x01B\x02\x10\x01R\ndoubleData\x12#\n\x0bdouble_diff\x18\t \x03(\x01B\x02\x10\x01R\nd'
    b'oubleDiff\x12\x13\n\x03num\x18\x01 \x01(\x05:\x010R\x03num\x12\x1d\n\x08channels\x18\x02 \x01(\x05:\x010R\x08channels\x12\x19\n'
    b'\x06height\x18\x03 \x01(\x05:\x010R\x06height\x12\x17\n\x05width\x18\x04 \x01(\x05:\x010R\x05width"\xc4\x02\n\x0fFillerPara'
    b'meter\x12\x1c\n\x04type\x18\x01 \x01(\t:\x08constantR\x04type\x12\x17\n\x05value\x18\x02 \x01(\x02:\x010R\x05value\x12\x13\n\x03'
    b'min\x18\x03 \x01(\x02:\x010R\x03min\x12\x13\n\x03max\x18\x04 \x01(\x02:\x011R\x03max\x12\x15\n\x04mean\x18\x05 \x01(\x02:\x010R\x04mean\x12\x13\n'
    b'\x03std\x18\x06 \x01(\x02:\x011R\x03std\x12\x1a\n\x06sparse\x18\x07 \x01(\x05:\x02-1R\x06sparse\x12R\n\rvariance_norm\x18'
    b'\x08 \x01(\x0e2%.fillers.FillerParameter.VarianceNorm:\x06FAN_INR\x0cvarianceNo'
    b'rm"4\n\x0cVarianceNorm\x12\n\n\x06FAN_IN\x10\x00\x12\x0b\n\x07FAN_OUT\x10\x01\x12\x0b\n\x07AVERAGE\x10\x02"\xe9\x02\n\x0cNet'
    b'Parameter\x12\x12\n\x04name\x18\x01 \x01(\tR\x04name\x12\x14\n\x05input\x18\x03 \x03(\tR\x05input\x123\n\x0binput_sha'
    b'pe\x18\x08 \x03(\x0b2\x12.fillers.BlobShapeR\ninputShape\x12\x1b\n\tinput_dim\x18\x04 \x03(\x05R\x08inp'
    b"utDim\x12,\n\x0eforce_backward\x18\x05 \x01(\x08:\x05falseR\rforceBackward\x12'\n\x05state\x18\x06 \x01"
    b'(\x0b2\x11.fillers.NetStateR\x05state\x12$\n\ndebug_info\x18\x07 \x01(\x08:\x05falseR\tdebugIn'
    b'fo\x12-\n\x05layer\x18d \x03(\x0b2\x17.fillers.LayerParameterR\x05layer\x121\n\x06layers\x18\x02 \x03('
    b'\x0b2\x19.fillers.V1LayerParameterR\x06layers"e\n\x08NetState\x12*\n\x05phase\x18\x01 \x01(\x0e2'
    b'\x0e.fillers.Phase:\x04TESTR\x05phase\x12\x17\n\x05level\x18\x02 \x01(\x05:\x010R\x05level\x12\x14\n\x05stage\x18\x03'
    b' \x03(\tR\x05stage"\xa1\x01\n\x0cNetStateRule\x12$\n\x05phase\x18\x01 \x01(\x0e2\x0e.fillers.PhaseR\x05pha'
    b'se\x12\x1b\n\tmin_level\x18\x02 \x01(\x05R\x08minLevel\x12\x1b\n\tmax_level\x18\x03 \x01(\x05R\x08maxLevel\x12\x14\n\x05'
    b'stage\x18\x04 \x03(\tR\x05stage\x12\x1b\n\tnot_stage\x18\x05 \x03(\tR\x08notStage"\xc9\x01\n\tParamSpec\x12\x12\n'
    b'\x04name\x18\x01 \x01(\tR\x04name\x12>\n\nshare_mode\x18\x02 \x01(\x0e2\x1f.fillers.ParamSpec.DimChe'
    b'ckModeR\tshareMode\x12\x1a\n\x07lr_mult\x18\x03 \x01(\x02:\x011R\x06lrMult\x12 \n\ndecay_mult\x18\x04 \x01('
    b'\x02:\x011R\tdecayMult"*\n\x0cDimCheckMode\x12\n\n\x06STRICT\x10\x00\x12\x0e\n\nPERMISSIVE\x10\x01"\xc1\x1b\n\x0e'
    b'LayerParameter\x12\x12\n\x04name\x18\x01 \x01(\tR\x04name\x12\x12\n\x04type\x18\x02 \x01(\tR\x04type\x12\x16\n\x06bottom'
    b'\x18\x03 \x03(\tR\x06bottom\x12\x10\n\x03top\x18\x04 \x03(\tR\x03top\x12$\n\x05phase\x18\n \x01(\x0e2\x0e.fillers.PhaseR'
    b'\x05phase\x12\x1f\n\x0bloss_weight\x18\x05 \x03(\x02R\nlossWeight\x12(\n\x05param\x18\x06 \x03(\x0b2\x12.fillers'
    b'.ParamSpecR\x05param\x12(\n\x05blobs\x18\x07 \x03(\x0b2\x12.fillers.BlobProtoR\x05blobs\x12%\n\x0ep'
    b'ropagate_down\x18\x0b \x03(\x08R\rpropagateDown\x12/\n\x07include\x18\x08 \x03(\x0b2\x15.fillers.Ne'
    b'tStateRuleR\x07include\x12/\n\x07exclude\x18\t \x03(\x0b2\x15.fillers.NetStateRuleR\x07exc'
    b'lude\x12I\n\x0ftransform_param\x18d \x01(\x0b2 .fillers.TransformationParameterR'
    b'\x0etransformParam\x125\n\nloss_param\x18e \x01(\x0b2\x16.fillers.LossParameterR\tlos'
    b'sParam\x12A\n\x0eaccuracy_param\x18f \x01(\x0b2\x1a.fillers.AccuracyParameterR\raccu'
    b'racyParam\x12;\n\x0cargmax_param\x18g \x01(\x0b2\x18.fillers.ArgMaxParameterR\x0bargma'
    b'xParam\x12F\n\x10batch_norm_param\x18\x8b\x01 \x01(\x0b2\x1b.fillers.BatchNormParameterR\x0e'
    b'batchNormParam\x126\n\nbias_param\x18\x8d\x01 \x01(\x0b2\x16.fillers.BiasParameterR\tbia'
    b'sParam\x126\n\nclip_param\x18\x94\x01 \x01(\x0b2\x16.fillers.ClipParameterR\tclipParam\x12;'
    b'\n\x0cconcat_param\x18h \x01(\x0b2\x18.fillers.ConcatParameterR\x0bconcatParam\x12W\n\x16c'
    b'ontrastive_loss_param\x18i \x01(\x0b2!.fillers.ContrastiveLossParameterR\x14'
    b'contrastiveLossParam\x12J\n\x11convolution_param\x18j \x01(\x0b2\x1d.fillers.Convol'
    b'utionParameterR\x10convolutionParam\x126\n\ncrop_param\x18\x90\x01 \x01(\x0b2\x16.fillers.'
    b'CropParameterR\tcropParam\x125\n\ndata_param\x18k \x01(\x0b2\x16.fillers.DataParam'
    b'eterR\tdataParam\x12>\n\rdropout_param\x18l \x01(\x0b2\x19.fillers.DropoutParamete'
    b'rR\x0cdropoutParam\x12E\n\x10dummy_data_param\x18m \x01(\x0b2\x1b.fillers.DummyDataPar'
    b'ameterR\x0edummyDataParam\x12>\n\reltwise_param\x18n \x01(\x0b2\x19.fillers.EltwiseP'
    b'arameterR\x0celtwiseParam\x123\n\telu_param\x18\x8c\x01 \x01(\x0b2\x15.fillers.ELUParamete'
    b'rR\x08eluParam\x129\n\x0bembed_param\x18\x89\x01 \x01(\x0b2\x17.fillers.EmbedParameterR\nembe'
    b'dParam\x122\n\texp_param\x18o \x01(\x0b2\x15.fillers.ExpParameterR\x08expParam\x12?\n\rfl'
    b'atten_param\x18\x87\x01 \x01(\x0b2\x19.fillers.FlattenParameterR\x0cflattenParam\x12B\n\x0fh'
    b'df5_data_param\x18p \x01(\x0b2\x1a.fillers.HDF5DataParameterR\rhdf5DataParam\x12'
    b'H\n\x11hdf5_output_param\x18q \x01(\x0b2\x1c.fillers.HDF5OutputParameterR\x0fhdf5Ou'
    b'tputParam\x12E\n\x10hinge_loss_param\x18r \x01(\x0b2\x1b.fillers.HingeLossParameter'
    b'R\x0ehingeLossParam\x12E\n\x10image_data_param\x18s \x01(\x0b2\x1b.fillers.ImageDataPa'
    b'rameterR\x0eimageDataParam\x12N\n\x13infogain_loss_param\x18t \x01(\x0b2\x1e.fillers.I'
    b'nfogainLossParameterR\x11infogainLossParam\x12N\n\x13inner_product_param\x18u'
    b' \x01(\x0b2\x1e.fillers.InnerProductParameterR\x11innerProductParam\x129\n\x0binput'
    b'_param\x18\x8f\x01 \x01(\x0b2\x17.fillers.InputParameterR\ninputParam\x123\n\tlog_param\x18'
    b'\x86\x01 \x01(\x0b2\x15.fillers.LogParameterR\x08logParam\x122\n\tlrn_param\x18v \x01(\x0b2\x15.fil'
    b'lers.LRNParameterR\x08lrnParam\x12H\n\x11memory_data_param\x18w \x01(\x0b2\x1c.fillers'
    b'.MemoryDataParameterR\x0fmemoryDataParam\x122\n\tmvn_param\x18x \x01(\x0b2\x15.fille'
    b'rs.MVNParameterR\x08mvnParam\x12E\n\x0fparameter_param\x18\x91\x01 \x01(\x0b2\x1b.fillers.Pa'
    b'rameterParameterR\x0eparameterParam\x12>\n\rpooling_param\x18y \x01(\x0b2\x19.filler'
    b's.PoolingParameterR\x0cpoolingParam\x128\n\x0bpower_param\x18z \x01(\x0b2\x17.fillers.'
    b'PowerParameterR\npowerParam\x129\n\x0bprelu_param\x18\x83\x01 \x01(\x0b2\x17.fillers.PReLU'
    b'ParameterR\npreluParam\x12<\n\x0cpython_param\x18\x82\x01 \x01(\x0b2\x18.fillers.PythonPar'
    b'ameterR\x0bpythonParam\x12E\n\x0frecurrent_param\x18\x92\x01 \x01(\x0b2\x1b.fillers.Recurren'
    b'tParameterR\x0erecurrentParam\x12E\n\x0freduction_param\x18\x88\x01 \x01(\x0b2\x1b.fillers.R'
    b'eductionParameterR\x0ereductionParam\x125\n\nrelu_param\x18{ \x01(\x0b2\x16.fillers.'
    b'ReLUParameterR\treluParam\x12?\n\rreshape_param\x18\x85\x01 \x01(\x0b2\x19.fillers.Resha'
    b'peParameterR\x0creshapeParam\x129\n\x0bscale_param\x18\x8e\x01 \x01(\x0b2\x17.fillers.ScaleP'
    b'arameterR\nscaleParam\x12>\n\rsigmoid_param\x18| \x01(\x0b2\x19.fillers.SigmoidPar'
    b'ameterR\x0csigmoidParam\x12>\n\rsoftmax_param\x18} \x01(\x0b2\x19.fillers.SoftmaxPar'
    b'ameterR\x0csoftmaxParam\x123\n\tspp_param\x18\x84\x01 \x01(\x0b2\x15.fillers.SPPParameterR'
    b'\x08sppParam\x128\n\x0bslice_param\x18~ \x01(\x0b2\x17.fillers.SliceParameterR\nslicePa'
    b'ram\x129\n\x0bswish_param\x18\x93\x01 \x01(\x0b2\x17.fillers.SwishParameterR\nswishParam\x125'
    b'\n\ntanh_param\x18\x7f \x01(\x0b2\x16.fillers.TanHParameterR\ttanhParam\x12E\n\x0fthresho'
    b'ld_param\x18\x80\x01 \x01(\x0b2\x1b.fillers.ThresholdParameterR\x0ethresholdParam\x126\n\n'
    b'tile_param\x18\x8a\x01 \x01(\x0b2\x16.fillers.TileParameterR\ttileParam\x12I\n\x11window_d'
    b'ata_param\x18\x81\x01 \x01(\x0b2\x1c.fillers.WindowDataParameterR\x0fwindowDataParam"'
    b'\xfb\x01\n\x17TransformationParameter\x12\x17\n\x05scale\x18\x01 \x01(\x02:\x011R\x05scale\x12\x1d\n\x06mirror\x18\x02'
    b' \x01(\x08:\x05falseR\x06mirror\x12\x1e\n\tcrop_size\x18\x03 \x01(\r:\x010R\x08cropSize\x12\x1b\n\tmean_file'
    b'\x18\x04 \x01(\tR\x08meanFile\x12\x1d\n\nmean_value\x18\x05 \x03(\x02R\tmeanValue\x12&\n\x0bforce_color\x18\x06'
    b' \x01(\x08:\x05falseR\nforceColor\x12$\n\nforce_gray\x18\x07 \x01(\x08:\x05falseR\tforceGray"\xeb\x01'
    b'\n\rLossParameter\x12!\n\x0cignore_label\x18\x01 \x01(\x05R\x0bignoreLabel\x12U\n\rnormalizat'
    b'ion\x18\x03 \x01(\x0e2(.fillers.LossParameter.NormalizationMode:\x05VALIDR\rnorm'
    b'alization\x12\x1c\n\tnormalize\x18\x02 \x01(\x08R\tnormalize"B\n\x11NormalizationMode\x12\x08\n\x04'
    b'FULL\x10\x00\x12\t\n\x05VALID\x10\x01\x12\x0e\n\nBATCH_SIZE\x10\x02\x12\x08\n\x04NONE\x10\x03"e\n\x11AccuracyParameter'
    b'\x12\x16\n\x05top_k\x18\x01 \x01(\r:\x011R\x04topK\x12\x15\n\x04axis\x18\x02 \x01(\x05:\x011R\x04axis\x12!\n\x0cignore_label\x18'
    b'\x03 \x01(\x05R\x0bignoreLabel"d\n\x0fArgMaxParameter\x12%\n\x0bout_max_val\x18\x01 \x01(\x08:\x05fals'
    b'eR\toutMaxVal\x12\x16\n\x05top_k\x18\x02 \x01(\r:\x011R\x04topK\x12\x12\n\x04axis\x18\x03 \x01(\x05R\x04axis"3\n\rClip'
    b'Parameter\x12\x10\n\x03min\x18\x01 \x02(\x02R\x03min\x12\x10\n\x03max\x18\x02 \x02(\x02R\x03max"J\n\x0fConcatParameter'
    b'\x12\x15\n\x04axis\x18\x02 \x01(\x05:\x011R\x04axis\x12 \n\nconcat_dim\x18\x01 \x01(\r:\x011R\tconcatDim"\x96\x01\n\x12Ba'
    b'tchNormParameter\x12(\n\x10use_global_stats\x18\x01 \x01(\x08R\x0euseGlobalStats\x12=\n\x17mo'
    b'ving_average_fraction\x18\x02 \x01(\x02:\x050.999R\x15movingAverageFraction\x12\x17\n\x03eps'
    b'\x18\x03 \x01(\x02:\x051e-05R\x03eps"v\n\rBiasParameter\x12\x15\n\x04axis\x18\x01 \x01(\x05:\x011R\x04axis\x12\x1c\n\x08nu'
    b'm_axes\x18\x02 \x01(\x05:\x011R\x07numAxes\x120\n\x06filler\x18\x03 \x01(\x0b2\x18.fillers.FillerParamet'
    b'erR\x06filler"c\n\x18ContrastiveLossParameter\x12\x19\n\x06margin\x18\x01 \x01(\x02:\x011R\x06margi'
    b'n\x12,\n\x0elegacy_version\x18\x02 \x01(\x08:\x05falseR\rlegacyVersion"\xa8\x05\n\x14ConvolutionP'
    b'arameter\x12\x1d\n\nnum_output\x18\x01 \x01(\rR\tnumOutput\x12!\n\tbias_term\x18\x02 \x01(\x08:\x04true'
    b'R\x08biasTerm\x12\x10\n\x03pad\x18\x03 \x03(\rR\x03pad\x12\x1f\n\x0bkernel_size\x18\x04 \x03(\rR\nkernelSize\x12\x16\n'
    b'\x06stride\x18\x06 \x03(\rR\x06stride\x12\x1a\n\x08dilation\x18\x12 \x03(\rR\x08dilation\x12\x16\n\x05pad_h\x18\t \x01(\r'
    b':\x010R\x04padH\x12\x16\n\x05pad_w\x18\n \x01(\r:\x010R\x04padW\x12\x19\n\x08kernel_h\x18\x0b \x01(\rR\x07kernelH\x12\x19\n\x08'
    b'kernel_w\x18\x0c \x01(\rR\x07kernelW\x12\x19\n\x08stride_h\x18\r \x01(\rR\x07strideH\x12\x19\n\x08stride_w\x18\x0e'
    b' \x01(\rR\x07strideW\x12\x17\n\x05group\x18\x05 \x01(\r:\x011R\x05group\x12=\n\rweight_filler\x18\x07 \x01(\x0b2\x18.'
    b'fillers.FillerParameterR\x0cweightFiller\x129\n\x0bbias_filler\x18\x08 \x01(\x0b2\x18.fil'
    b'lers.FillerParameterR\nbiasFiller\x12E\n\x06engine\x18\x0f \x01(\x0e2$.fillers.Convo'
    b'lutionParameter.Engine:\x07DEFAULTR\x06engine\x12\x15\n\x04axis\x18\x10 \x01(\x05:\x011R\x04axis\x12-'
    b'\n\x0fforce_nd_im2col\x18\x11 \x01(\x08:\x05falseR\rforceNdIm2col"+\n\x06Engine\x12\x0b\n\x07DEFAU'
    b'LT\x10\x00\x12\t\n\x05CAFFE\x10\x01\x12\t\n\x05CUDNN\x10\x02">\n\rCropParameter\x12\x15\n\x04axis\x18\x01 \x01(\x05:\x012R\x04ax'
    b'is\x12\x16\n\x06offset\x18\x02 \x03(\rR\x06offset"\x8c\x03\n\rDataParameter\x12\x16\n\x06source\x18\x01 \x01(\tR\x06so'
    b'urce\x12\x1d\n\nbatch_size\x18\x04 \x01(\rR\tbatchSize\x12\x1e\n\trand_skip\x18\x07 \x01(\r:\x010R\x08randS'
    b'kip\x12<\n\x07backend\x18\x08 \x01(\x0e2\x19.fillers.DataParameter.DB:\x07LEVELDBR\x07backen'
    b'd\x12\x17\n\x05scale\x18\x02 \x01(\x02:\x011R\x05scale\x12\x1b\n\tmean_file\x18\x03 \x01(\tR\x08meanFile\x12\x1e\n\tcrop_'
    b'size\x18\x05 \x01(\r:\x010R\x08cropSize\x12\x1d\n\x06mirror\x18\x06 \x01(\x08:\x05falseR\x06mirror\x125\n\x13force_'
    b'encoded_color\x18\t \x01(\x08:\x05falseR\x11forceEncodedColor\x12\x1d\n\x08prefetch\x18\n \x01(\r:'
    b'\x014R\x08prefetch"\x1b\n\x02DB\x12\x0b\n\x07LEVELDB\x10\x00\x12\x08\n\x04LMDB\x10\x01"<\n\x10DropoutParameter\x12(\n'
    b'\rdropout_ratio\x18\x01 \x01(\x02:\x030.5R\x0cdropoutRatio"\xd5\x01\n\x12DummyDataParameter\x129'
    b'\n\x0bdata_filler\x18\x01 \x03(\x0b2\x18.fillers.FillerParameterR\ndataFiller\x12(\n\x05sha'
    b'pe\x18\x06 \x03(\x0b2\x12.fillers.BlobShapeR\x05shape\x12\x10\n\x03num\x18\x02 \x03(\rR\x03num\x12\x1a\n\x08channel'
    b's\x18\x03 \x03(\rR\x08channels\x12\x16\n\x06height\x18\x04 \x03(\rR\x06height\x12\x14\n\x05width\x18\x05 \x03(\rR\x05width"'
    b'\xc9\x01\n\x10EltwiseParameter\x12F\n\toperation\x18\x01 \x01(\x0e2#.fillers.EltwiseParamet'
    b'er.EltwiseOp:\x03SUMR\toperation\x12\x14\n\x05coeff\x18\x02 \x03(\x02R\x05coeff\x12.\n\x10stable_pro'
    b'd_grad\x18\x03 \x01(\x08:\x04trueR\x0estableProdGrad"\'\n\tEltwiseOp\x12\x08\n\x04PROD\x10\x00\x12\x07\n\x03SUM'
    b'\x10\x01\x12\x07\n\x03MAX\x10\x02"\'\n\x0cELUParameter\x12\x17\n\x05alpha\x18\x01 \x01(\x02:\x011R\x05alpha"\xe9\x01\n\x0eEmbedPa'
    b'rameter\x12\x1d\n\nnum_output\x18\x01 \x01(\rR\tnumOutput\x12\x1b\n\tinput_dim\x18\x02 \x01(\rR\x08input'
    b'Dim\x12!\n\tbias_term\x18\x03 \x01(\x08:\x04trueR\x08biasTerm\x12=\n\rweight_filler\x18\x04 \x01(\x0b2\x18.'
    b'fillers.FillerParameterR\x0cweightFiller\x129\n\x0bbias_filler\x18\x05 \x01(\x0b2\x18.fil'
    b'lers.FillerParameterR\nbiasFiller"X\n\x0cExpParameter\x12\x16\n\x04base\x18\x01 \x01(\x02:\x02'
    b'-1R\x04base\x12\x17\n\x05scale\x18\x02 \x01(\x02:\x011R\x05scale\x12\x17\n\x05shift\x18\x03 \x01(\x02:\x010R\x05shift"H\n\x10Fl'
    b'attenParameter\x12\x15\n\x04axis\x18\x01 \x01(\x05:\x011R\x04axis\x12\x1d\n\x08end_axis\x18\x02 \x01(\x05:\x02-1R\x07end'
    b'Axis"k\n\x11HDF5DataParameter\x12\x16\n\x06source\x18\x01 \x01(\tR\x06source\x12\x1d\n\nbatch_size\x18'
    b'\x02 \x01(\rR\tbatchSize\x12\x1f\n\x07shuffle\x18\x03 \x01(\x08:\x05falseR\x07shuffle"2\n\x13HDF5OutputP'
    b'arameter\x12\x1b\n\tfile_name\x18\x01 \x01(\tR\x08fileName"f\n\x12HingeLossParameter\x128\n\x04n'
    b'orm\x18\x01 \x01(\x0e2 .fillers.HingeLossParameter.Norm:\x02L1R\x04norm"\x16\n\x04Norm\x12\x06\n'
    b'\x02L1\x10\x01\x12\x06\n\x02L2\x10\x02"\x8a\x03\n\x12ImageDataParameter\x12\x16\n\x06source\x18\x01 \x01(\tR\x06source\x12 \n\n'
    b'batch_size\x18\x04 \x01(\r:\x011R\tbatchSize\x12\x1e\n\trand_skip\x18\x07 \x01(\r:\x010R\x08randSkip\x12\x1f'
    b'\n\x07shuffle\x18\x08 \x01(\x08:\x05falseR\x07shuffle\x12 \n\nnew_height\x18\t \x01(\r:\x010R\tnewHeigh'
    b't\x12\x1e\n\tnew_width\x18\n \x01(\r:\x010R\x08newWidth\x12\x1f\n\x08is_color\x18\x0b \x01(\x08:\x04trueR\x07isCol'
    b'or\x12\x17\n\x05scale\x18\x02 \x01(\x02:\x011R\x05scale\x12\x1b\n\tmean_file\x18\x03 \x01(\tR\x08meanFile\x12\x1e\n\tcrop'
    b'_size\x18\x05 \x01(\r:\x010R\x08cropSize\x12\x1d\n\x06mirror\x18\x06 \x01(\x08:\x05falseR\x06mirror\x12!\n\x0broot_'
    b'folder\x18\x0c \x01(\t:\x00R\nrootFolder"F\n\x15InfogainLossParameter\x12\x16\n\x06source\x18\x01 '
    b'\x01(\tR\x06source\x12\x15\n\x04axis\x18\x02 \x01(\x05:\x011R\x04axis"\x8f\x02\n\x15InnerProductParameter\x12\x1d\n\n'
    b'num_output\x18\x01 \x01(\rR\tnumOutput\x12!\n\tbias_term\x18\x02 \x01(\x08:\x04trueR\x08biasTerm\x12='
    b'\n\rweight_filler\x18\x03 \x01(\x0b2\x18.fillers.FillerParameterR\x0cweightFiller\x129\n'
    b'\x0bbias_filler\x18\x04 \x01(\x0b2\x18.fillers.FillerParameterR\nbiasFiller\x12\x15\n\x04axis'
    b'\x18\x05 \x01(\x05:\x011R\x04axis\x12#\n\ttranspose\x18\x06 \x01(\x08:\x05falseR\ttranspose":\n\x0eInputPar'
    b'ameter\x12(\n\x05shape\x18\x01 \x03(\x0b2\x12.fillers.BlobShapeR\x05shape"X\n\x0cLogParameter'
    b'\x12\x16\n\x04base\x18\x01 \x01(\x02:\x02-1R\x04base\x12\x17\n\x05scale\x18\x02 \x01(\x02:\x011R\x05scale\x12\x17\n\x05shift\x18\x03 \x01(\x02'
    b':\x010R\x05shift"\xeb\x02\n\x0cLRNParameter\x12 \n\nlocal_size\x18\x01 \x01(\r:\x015R\tlocalSize\x12\x17\n'
    b'\x05alpha\x18\x02 \x01(\x02:\x011R\x05alpha\x12\x18\n\x04beta\x18\x03 \x01(\x02:\x040.75R\x04beta\x12R\n\x0bnorm_region\x18'
    b'\x04 \x01(\x0e2 .fillers.LRNParameter.NormRegion:\x0fACROSS_CHANNELSR\nnormRe'
    b'gion\x12\x0f\n\x01k\x18\x05 \x01(\x02:\x011R\x01k\x12=\n\x06engine\x18\x06 \x01(\x0e2\x1c.fillers.LRNParameter.Eng'
    b'ine:\x07DEFAULTR\x06engine"5\n\nNormRegion\x12\x13\n\x0fACROSS_CHANNELS\x10\x00\x12\x12\n\x0eWITHI'
    b'N_CHANNEL\x10\x01"+\n\x06Engine\x12\x0b\n\x07DEFAULT\x10\x00\x12\t\n\x05CAFFE\x10\x01\x12\t\n\x05CUDNN\x10\x02"~\n\x13Memo'
    b'ryDataParameter\x12\x1d\n\nbatch_size\x18\x01 \x01(\rR\tbatchSize\x12\x1a\n\x08channels\x18\x02 \x01(\r'
    b'R\x08channels\x12\x16\n\x06height\x18\x03 \x01(\rR\x06height\x12\x14\n\x05width\x18\x04 \x01(\rR\x05width"\x8c\x01\n\x0cMVN'
    b'Parameter\x123\n\x12normalize_variance\x18\x01 \x01(\x08:\x04trueR\x11normalizeVariance\x12.'
    b'\n\x0facross_channels\x18\x02 \x01(\x08:\x05falseR\x0eacrossChannels\x12\x17\n\x03eps\x18\x03 \x01(\x02:\x051e-'
    b'09R\x03eps">\n\x12ParameterParameter\x12(\n\x05shape\x18\x01 \x01(\x0b2\x12.fillers.BlobShape'
    b'R\x05shape"\xf8\x04\n\x10PoolingParameter\x12=\n\x04pool\x18\x01 \x01(\x0e2$.fillers.PoolingPara'
    b'meter.PoolMethod:\x03MAXR\x04pool\x12\x13\n\x03pad\x18\x04 \x01(\r:\x010R\x03pad\x12\x16\n\x05pad_h\x18\t \x01(\r:'
    b'\x010R\x04padH\x12\x16\n\x05pad_w\x18\n \x01(\r:\x010R\x04padW\x12\x1f\n\x0bkernel_size\x18\x02 \x01(\rR\nkernelSiz'
    b'e\x12\x19\n\x08kernel_h\x18\x05 \x01(\rR\x07kernelH\x12\x19\n\x08kernel_w\x18\x06 \x01(\rR\x07kernelW\x12\x19\n\x06strid'
    b'e\x18\x03 \x01(\r:\x011R\x06stride\x12\x19\n\x08stride_h\x18\x07 \x01(\rR\x07strideH\x12\x19\n\x08stride_w\x18\x08 \x01(\rR'
    b'\x07strideW\x12A\n\x06engine\x18\x0b \x01(\x0e2 .fillers.PoolingParameter.Engine:\x07DEFA'
    b'ULTR\x06engine\x12,\n\x0eglobal_pooling\x18\x0c \x01(\x08:\x05falseR\rglobalPooling\x12H\n\nrou'
    b'nd_mode\x18\r \x01(\x0e2#.fillers.PoolingParameter.RoundMode:\x04CEILR\troundM'
    b'ode".\n\nPoolMethod\x12\x07\n\x03MAX\x10\x00\x12\x07\n\x03AVE\x10\x01\x12\x0e\n\nSTOCHASTIC\x10\x02"+\n\x06Engine\x12\x0b\n'
    b'\x07DEFAULT\x10\x00\x12\t\n\x05CAFFE\x10\x01\x12\t\n\x05CUDNN\x10\x02" \n\tRoundMode\x12\x08\n\x04CEIL\x10\x00\x12\t\n\x05FLOOR'
    b'\x10\x01"[\n\x0ePowerParameter\x12\x17\n\x05power\x18\x01 \x01(\x02:\x011R\x05power\x12\x17\n\x05scale\x18\x02 \x01(\x02:\x011R'
    b'\x05scale\x12\x17\n\x05shift\x18\x03 \x01(\x02:\x010R\x05shift"\x91\x01\n\x0fPythonParameter\x12\x16\n\x06module\x18\x01 '
    b'\x01(\tR\x06module\x12\x14\n\x05layer\x18\x02 \x01(\tR\x05layer\x12\x1d\n\tparam_str\x18\x03 \x01(\t:\x00R\x08paramStr'
    b'\x121\n\x11share_in_parallel\x18\x04 \x01(\x08:\x05falseR\x0fshareInParallel"\x82\x02\n\x12Recurren'
    b'tParameter\x12 \n\nnum_output\x18\x01 \x01(\r:\x010R\tnumOutput\x12=\n\rweight_filler\x18\x02 '
    b'\x01(\x0b2\x18.fillers.FillerParameterR\x0cweightFiller\x129\n\x0bbias_filler\x18\x03 \x01(\x0b'
    b'2\x18.fillers.FillerParameterR\nbiasFiller\x12$\n\ndebug_info\x18\x04 \x01(\x08:\x05fals'
    b'eR\tdebugInfo\x12*\n\rexpose_hidden\x18\x05 \x01(\x08:\x05falseR\x0cexposeHidden"\xc7\x01\n\x12Red'
    b"uctionParameter\x12J\n\toperation\x18\x01 \x01(\x0e2'.fillers.ReductionParameter."
    b'ReductionOp:\x03SUMR\toperation\x12\x15\n\x04axis\x18\x02 \x01(\x05:\x010R\x04axis\x12\x17\n\x05coeff\x18\x03 \x01('
    b'\x02:\x011R\x05coeff"5\n\x0bReductionOp\x12\x07\n\x03SUM\x10\x01\x12\x08\n\x04ASUM\x10\x02\x12\t\n\x05SUMSQ\x10\x03\x12\x08\n\x04MEAN'
    b'\x10\x04"\xa6\x01\n\rReLUParameter\x12(\n\x0enegative_slope\x18\x01 \x01(\x02:\x010R\rnegativeSlope\x12>'
    b'\n\x06engine\x18\x02 \x01(\x0e2\x1d.fillers.ReLUParameter.Engine:\x07DEFAULTR\x06engine"+'
    b'\n\x06Engine\x12\x0b\n\x07DEFAULT\x10\x00\x12\t\n\x05CAFFE\x10\x01\x12\t\n\x05CUDNN\x10\x02"r\n\x10ReshapeParameter\x12'
    b'(\n\x05shape\x18\x01 \x01(\x0b2\x12.fillers.BlobShapeR\x05shape\x12\x15\n\x04axis\x18\x02 \x01(\x05:\x010R\x04axis'
    b'\x12\x1d\n\x08num_axes\x18\x03 \x01(\x05:\x02-1R\x07numAxes"\xd6\x01\n\x0eScaleParameter\x12\x15\n\x04axis\x18\x01 \x01(\x05'
    b':\x011R\x04axis\x12\x1c\n\x08num_axes\x18\x02 \x01(\x05:\x011R\x07numAxes\x120\n\x06filler\x18\x03 \x01(\x0b2\x18.filler'
    b's.FillerParameterR\x06filler\x12"\n\tbias_term\x18\x04 \x01(\x08:\x05falseR\x08biasTerm\x129\n'
    b'\x0bbias_filler\x18\x05 \x01(\x0b2\x18.fillers.FillerParameterR\nbiasFiller"\x82\x01\n\x10Sig'
    b'moidParameter\x12A\n\x06engine\x18\x01 \x01(\x0e2 .fillers.SigmoidParameter.Engine:'
    b'\x07DEFAULTR\x06engine"+\n\x06Engine\x12\x0b\n\x07DEFAULT\x10\x00\x12\t\n\x05CAFFE\x10\x01\x12\t\n\x05CUDNN\x10\x02"h\n'
    b'\x0eSliceParameter\x12\x15\n\x04axis\x18\x03 \x01(\x05:\x011R\x04axis\x12\x1f\n\x0bslice_point\x18\x02 \x03(\rR\nsli'
    b'cePoint\x12\x1e\n\tslice_dim\x18\x01 \x01(\r:\x011R\x08sliceDim"\x99\x01\n\x10SoftmaxParameter\x12A\n\x06'
    b'engine\x18\x01 \x01(\x0e2 .fillers.SoftmaxParameter.Engine:\x07DEFAULTR\x06engine\x12'
    b'\x15\n\x04axis\x18\x02 \x01(\x05:\x011R\x04axis"+\n\x06Engine\x12\x0b\n\x07DEFAULT\x10\x00\x12\t\n\x05CAFFE\x10\x01\x12\t\n\x05CUDN'
    b'N\x10\x02"\'\n\x0eSwishParameter\x12\x15\n\x04beta\x18\x01 \x01(\x02:\x011R\x04beta"|\n\rTanHParameter\x12>\n'
    b'\x06engine\x18\x01 \x01(\x0e2\x1d.fillers.TanHParameter.Engine:\x07DEFAULTR\x06engine"+\n'
    b'\x06Engine\x12\x0b\n\x07DEFAULT\x10\x00\x12\t\n\x05CAFFE\x10\x01\x12\t\n\x05CUDNN\x10\x02"<\n\rTileParameter\x12\x15\n\x04a'
    b'xis\x18\x01 \x01(\x05:\x011R\x04axis\x12\x14\n\x05tiles\x18\x02 \x01(\x05R\x05tiles"5\n\x12ThresholdParameter\x12\x1f'
    b'\n\tthreshold\x18\x01 \x01(\x02:\x010R\tthreshold"\xcc\x03\n\x13WindowDataParameter\x12\x16\n\x06sourc'
    b'e\x18\x01 \x01(\tR\x06source\x12\x17\n\x05scale\x18\x02 \x01(\x02:\x011R\x05scale\x12\x1b\n\tmean_file\x18\x03 \x01(\tR\x08mea'
    b'nFile\x12\x1d\n\nbatch_size\x18\x04 \x01(\rR\tbatchSize\x12\x1e\n\tcrop_size\x18\x05 \x01(\r:\x010R\x08crop'
    b'Size\x12\x1d\n\x06mirror\x18\x06 \x01(\x08:\x05falseR\x06mirror\x12&\n\x0cfg_threshold\x18\x07 \x01(\x02:\x030.5R\x0b'
    b'fgThreshold\x12&\n\x0cbg_threshold\x18\x08 \x01(\x02:\x030.5R\x0bbgThreshold\x12%\n\x0bfg_fracti'
    b'on\x18\t \x01(\x02:\x040.25R\nfgFraction\x12"\n\x0bcontext_pad\x18\n \x01(\r:\x010R\ncontextPad\x12!'
    b'\n\tcrop_mode\x18\x0b \x01(\t:\x04warpR\x08cropMode\x12(\n\x0ccache_images\x18\x0c \x01(\x08:\x05falseR\x0b'
    b'cacheImages\x12!\n\x0broot_folder\x18\r \x01(\t:\x00R\nrootFolder"\x8c\x02\n\x0cSPPParameter\x12'
    b'%\n\x0epyramid_height\x18\x01 \x01(\rR\rpyramidHeight\x129\n\x04pool\x18\x02 \x01(\x0e2 .fillers.S'
    b'PPParameter.PoolMethod:\x03MAXR\x04pool\x12=\n\x06engine\x18\x06 \x01(\x0e2\x1c.fillers.SPPP'
    b'arameter.Engine:\x07DEFAULTR\x06engine".\n\nPoolMethod\x12\x07\n\x03MAX\x10\x00\x12\x07\n\x03AVE\x10\x01'
    b'\x12\x0e\n\nSTOCHASTIC\x10\x02"+\n\x06Engine\x12\x0b\n\x07DEFAULT\x10\x00\x12\t\n\x05CAFFE\x10\x01\x12\t\n\x05CUDNN\x10\x02"\x99\x18'
    b'\n\x10V1LayerParameter\x12\x16\n\x06bottom\x18\x02 \x03(\tR\x06bottom\x12\x10\n\x03top\x18\x03 \x03(\tR\x03top\x12\x12\n\x04'
    b'name\x18\x04 \x01(\tR\x04name\x12/\n\x07include\x18  \x03(\x0b2\x15.fillers.NetStateRuleR\x07includ'
    b'e\x12/\n\x07exclude\x18! \x03(\x0b2\x15.fillers.NetStateRuleR\x07exclude\x127\n\x04type\x18\x05 \x01(\x0e'
    b'2#.fillers.V1LayerParameter.LayerTypeR\x04type\x12(\n\x05blobs\x18\x06 \x03(\x0b2\x12.fil'
    b'lers.BlobProtoR\x05blobs\x12\x15\n\x05param\x18\xe9\x07 \x03(\tR\x05param\x12O\n\x0fblob_share_mode\x18'
    b'\xea\x07 \x03(\x0e2&.fillers.V1LayerParameter.DimCheckModeR\rblobShareMode\x12\x19\n'
    b'\x08blobs_lr\x18\x07 \x03(\x02R\x07blobsLr\x12!\n\x0cweight_decay\x18\x08 \x03(\x02R\x0bweightDecay\x12\x1f\n\x0bl'
    b'oss_weight\x18# \x03(\x02R\nlossWeight\x12A\n\x0eaccuracy_param\x18\x1b \x01(\x0b2\x1a.fillers.A'
    b'ccuracyParameterR\raccuracyParam\x12;\n\x0cargmax_param\x18\x17 \x01(\x0b2\x18.fillers.'
    b'ArgMaxParameterR\x0bargmaxParam\x12;\n\x0cconcat_param\x18\t \x01(\x0b2\x18.fillers.Con'
    b'catParameterR\x0bconcatParam\x12W\n\x16contrastive_loss_param\x18( \x01(\x0b2!.fill'
    b'ers.ContrastiveLossParameterR\x14contrastiveLossParam\x12J\n\x11convolutio'
    b'n_param\x18\n \x01(\x0b2\x1d.fillers.ConvolutionParameterR\x10convolutionParam\x125'
    b'\n\ndata_param\x18\x0b \x01(\x0b2\x16.fillers.DataParameterR\tdataParam\x12>\n\rdropout'
    b'_param\x18\x0c \x01(\x0b2\x19.fillers.DropoutParameterR\x0cdropoutParam\x12E\n\x10dummy_d'
    b'ata_param\x18\x1a \x01(\x0b2\x1b.fillers.DummyDataParameterR\x0edummyDataParam\x12>\n\r'
    b'eltwise_param\x18\x18 \x01(\x0b2\x19.fillers.EltwiseParameterR\x0celtwiseParam\x122\n\t'
    b'exp_param\x18) \x01(\x0b2\x15.fillers.ExpParameterR\x08expParam\x12B\n\x0fhdf5_data_pa'
    b'ram\x18\r \x01(\x0b2\x1a.fillers.HDF5DataParameterR\rhdf5DataParam\x12H\n\x11hdf5_out'
    b'put_param\x18\x0e \x01(\x0b2\x1c.fillers.HDF5OutputParameterR\x0fhdf5OutputParam\x12E'
    b'\n\x10hinge_loss_param\x18\x1d \x01(\x0b2\x1b.fillers.HingeLossParameterR\x0ehingeLoss'
    b'Param\x12E\n\x10image_data_param\x18\x0f \x01(\x0b2\x1b.fillers.ImageDataParameterR\x0eim'
    b'ageDataParam\x12N\n\x13infogain_loss_param\x18\x10 \x01(\x0b2\x1e.fillers.InfogainLoss'
    b'ParameterR\x11infogainLossParam\x12N\n\x13inner_product_param\x18\x11 \x01(\x0b2\x1e.fill'
    b'ers.InnerProductParameterR\x11innerProductParam\x122\n\tlrn_param\x18\x12 \x01(\x0b2'
    b'\x15.fillers.LRNParameterR\x08lrnParam\x12H\n\x11memory_data_param\x18\x16 \x01(\x0b2\x1c.fi'
    b'llers.MemoryDataParameterR\x0fmemoryDataParam\x122\n\tmvn_param\x18" \x01(\x0b2\x15.'
    b'fillers.MVNParameterR\x08mvnParam\x12>\n\rpooling_param\x18\x13 \x01(\x0b2\x19.fillers.'
    b'PoolingParameterR\x0cpoolingParam\x128\n\x0bpower_param\x18\x15 \x01(\x0b2\x17.fillers.Po'
    b'werParameterR\npowerParam\x125\n\nrelu_param\x18\x1e \x01(\x0b2\x16.fillers.ReLUParam'
    b'eterR\treluParam\x12>\n\rsigmoid_param\x18& \x01(\x0b2\x19.fillers.SigmoidParamete'
    b"rR\x0csigmoidParam\x12>\n\rsoftmax_param\x18' \x01(\x0b2\x19.fillers.SoftmaxParamete"
    b'rR\x0csoftmaxParam\x128\n\x0bslice_param\x18\x1f \x01(\x0b2\x17.fillers.SliceParameterR\ns'
    b'liceParam\x125\n\ntanh_param\x18% \x01(\x0b2\x16.fillers.TanHParameterR\ttanhParam'
    b'\x12D\n\x0fthreshold_param\x18\x19 \x01(\x0b2\x1b.fillers.ThresholdParameterR\x0ethreshol'
    b'dParam\x12H\n\x11window_data_param\x18\x14 \x01(\x0b2\x1c.fillers.WindowDataParameterR'
    b'\x0fwindowDataParam\x12I\n\x0ftransform_param\x18$ \x01(\x0b2 .fillers.Transformati'
    b'onParameterR\x0etransformParam\x125\n\nloss_param\x18* \x01(\x0b2\x16.fillers.LossPa'
    b'rameterR\tlossParam"\xd8\x04\n\tLayerType\x12\x08\n\x04NONE\x10\x00\x12\n\n\x06ABSVAL\x10#\x12\x0c\n\x08ACCURA'
    b'CY\x10\x01\x12\n\n\x06ARGMAX\x10\x1e\x12\x08\n\x04BNLL\x10\x02\x12\n\n\x06CONCAT\x10\x03\x12\x14\n\x10CONTRASTIVE_LOSS\x10%\x12\x0f\n\x0b'
    b"CONVOLUTION\x10\x04\x12\x08\n\x04DATA\x10\x05\x12\x11\n\rDECONVOLUTION\x10'\x12\x0b\n\x07DROPOUT\x10\x06\x12\x0e\n\nDUMMY"
    b'_DATA\x10 \x12\x12\n\x0eEUCLIDEAN_LOSS\x10\x07\x12\x0b\n\x07ELTWISE\x10\x19\x12\x07\n\x03EXP\x10&\x12\x0b\n\x07FLATTEN\x10\x08\x12\r'
    b'\n\tHDF5_DATA\x10\t\x12\x0f\n\x0bHDF5_OUTPUT\x10\n\x12\x0e\n\nHINGE_LOSS\x10\x1c\x12\n\n\x06IM2COL\x10\x0b\x12\x0e\n\nIM'
    b'AGE_DATA\x10\x0c\x12\x11\n\rINFOGAIN_LOSS\x10\r\x12\x11\n\rINNER_PRODUCT\x10\x0e\x12\x07\n\x03LRN\x10\x0f\x12\x0f\n\x0bMEM'
    b'ORY_DATA\x10\x1d\x12\x1d\n\x19MULTINOMIAL_LOGISTIC_LOSS\x10\x10\x12\x07\n\x03MVN\x10"\x12\x0b\n\x07POOLING\x10\x11\x12'
    b'\t\n\x05POWER\x10\x1a\x12\x08\n\x04RELU\x10\x12\x12\x0b\n\x07SIGMOID\x10\x13\x12\x1e\n\x1aSIGMOID_CROSS_ENTROPY_LOSS\x10'
    b'\x1b\x12\x0b\n\x07SILENCE\x10$\x12\x0b\n\x07SOFTMAX\x10\x14\x12\x10\n\x0cSOFTMAX_LOSS\x10\x15\x12\t\n\x05SPLIT\x10\x16\x12\t\n\x05SLIC'
    b'E\x10!\x12\x08\n\x04TANH\x10\x17\x12\x0f\n\x0bWINDOW_DATA\x10\x18\x12\r\n\tTHRESHOLD\x10\x1f"*\n\x0cDimCheckMode\x12\n\n'
    b'\x06STRICT\x10\x00\x12\x0e\n\nPERMISSIVE\x10\x01"p\n\x0ePReLUParameter\x120\n\x06filler\x18\x01 \x01(\x0b2\x18.fi'
    b'llers.FillerParameterR\x06filler\x12,\n\x0echannel_shared\x18\x02 \x01(\x08:\x05falseR\rch'
    b'annelShared*\x1c\n\x05Phase\x12\t\n\x05TRAIN\x10\x00\x12\x08\n\x04TEST\x10\x01'
)
_schema = load_schema(_SERIALIZED_FILE, __name__)

DESCRIPTOR = _schema.file

Phase = _schema.enums["Phase"]
TRAIN = 0
TEST = 1

NamedFiller = _schema.messages["NamedFiller"]
FillerSet = _schema.messages["FillerSet"]
BlobShape = _schema.messages["BlobShape"]
BlobProto = _schema.messages["BlobProto"]
FillerParameter = _schema.messages["FillerParameter"]
NetParameter = _schema.messages["NetParameter"]
NetState = _schema.messages["NetState"]
NetStateRule = _schema.messages["NetStateRule"]
ParamSpec = _schema.messages["ParamSpec"]
LayerParameter = _schema.messages["LayerParameter"]
TransformationParameter = _schema.messages["TransformationParameter"]
LossParameter = _schema.messages["LossParameter"]
AccuracyParameter = _schema.messages["AccuracyParameter"]
ArgMaxParameter = _schema.messages["ArgMaxParameter"]
ClipParameter = _schema.messages["ClipParameter"]
ConcatParameter = _schema.messages["ConcatParameter"]
BatchNormParameter = _schema.messages["BatchNormParameter"]
BiasParameter = _schema.messages["BiasParameter"]
ContrastiveLossParameter = _schema.messages["ContrastiveLossParameter"]
ConvolutionParameter = _schema.messages["ConvolutionParameter"]
CropParameter = _schema.messages["CropParameter"]
DataParameter = _schema.messages["DataParameter"]
DropoutParameter = _schema.messages["DropoutParameter"]
DummyDataParameter = _schema.messages["DummyDataParameter"]
EltwiseParameter = _schema.messages["EltwiseParameter"]
ELUParameter = _schema.messages["ELUParameter"]
EmbedParameter = _schema.messages["EmbedParameter"]
ExpParameter = _schema.messages["ExpParameter"]
FlattenParameter = _schema.messages["FlattenParameter"]
HDF5DataParameter = _schema.messages["HDF5DataParameter"]
HDF5OutputParameter = _schema.messages["HDF5OutputParameter"]
HingeLossParameter = _schema.messages["HingeLossParameter"]
ImageDataParameter = _schema.messages["ImageDataParameter"]
InfogainLossParameter = _schema.messages["InfogainLossParameter"]
InnerProductParameter = _schema.messages["InnerProductParameter"]
InputParameter = _schema.messages["InputParameter"]
LogParameter = _schema.messages["LogParameter"]
LRNParameter = _schema.messages["LRNParameter"]
MemoryDataParameter = _schema.messages["MemoryDataParameter"]
MVNParameter = _schema.messages["MVNParameter"]
ParameterParameter = _schema.messages["ParameterParameter"]
PoolingParameter = _schema.messages["PoolingParameter"]
PowerParameter = _schema.messages["PowerParameter"]
PythonParameter = _schema.messages["PythonParameter"]
RecurrentParameter = _schema.messages["RecurrentParameter"]
ReductionParameter = _schema.messages["ReductionParameter"]
ReLUParameter = _schema.messages["ReLUParameter"]
ReshapeParameter = _schema.messages["ReshapeParameter"]
ScaleParameter = _schema.messages["ScaleParameter"]
SigmoidParameter = _schema.messages["SigmoidParameter"]
SliceParameter = _schema.messages["SliceParameter"]
SoftmaxParameter = _schema.messages["SoftmaxParameter"]
SwishParameter = _schema.messages["SwishParameter"]
TanHParameter = _schema.messages["TanHParameter"]
TileParameter = _schema.messages["TileParameter"]
ThresholdParameter = _schema.messages["ThresholdParameter"]
WindowDataParameter = _schema.messages["WindowDataParameter"]
SPPParameter = _schema.messages["SPPParameter"]
V1LayerParameter = _schema.messages["V1LayerParameter"]
PReLUParameter = _schema.messages["PReLUParameter"]

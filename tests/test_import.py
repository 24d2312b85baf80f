"""Importing fillers: nothing heavy at import, no warning on any protobuf, beside other caffe.protos.

Each check runs in a fresh interpreter: what an import loads, warns or registers is decided
once per process.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import fillers

REPO = Path(__file__).resolve().parent.parent
WARNINGS_AS_ERRORS = ["-W", "error::UserWarning", "-W", "error::DeprecationWarning"]


def run_python(script: str) -> str:
    """Run `script` in a fresh interpreter with warnings as errors; its stdout."""
    result = subprocess.run(
        [sys.executable, *WARNINGS_AS_ERRORS, "-c", textwrap.dedent(script)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_import_loads_neither_numpy_protobuf_nor_yaml():
    out = run_python(
        """
        import sys
        import fillers
        heavy = ["numpy", "google.protobuf", "yaml", "fillers.spec", "fillers._proto.filler_pb2"]
        print(sorted(name for name in heavy if name in sys.modules))
        """
    )
    assert out == "[]\n"


def test_every_public_name_loads_on_first_use_without_a_warning():
    out = run_python(
        """
        import sys
        import fillers
        from fillers import *
        missing = [name for name in fillers.__all__ if name not in globals()]
        print(missing, fillers.FillerParameter.__module__, "yaml" in sys.modules)
        fillers.load("config_examples/xavier.yaml")
        print("yaml" in sys.modules)
        """
    )
    assert out == "[] fillers._proto.filler_pb2 False\nTrue\n"


def test_public_names_are_the_modules_own_objects():
    from fillers import errors
    from fillers._proto import filler_pb2
    from fillers.net import specs as specset
    from fillers.spec import parameter as spec
    from fillers.spec import resolve as registry
    from fillers.stream import caffe as stream

    assert fillers.FillerParameter is filler_pb2.FillerParameter is spec.FillerParameter
    assert (fillers.parse, fillers.load_all, fillers.CaffeRNG) == (
        spec.parse,
        specset.load_all,
        stream.CaffeRNG,
    )
    assert (fillers.get_filler, fillers.FillerError) == (registry.get_filler, errors.FillerError)
    assert set(fillers.__all__) <= set(dir(fillers))


def test_only_the_contract_is_a_public_attribute():
    out = run_python(
        """
        import fillers
        for name in ("netproto", "boost", "core", "spec", "weights", "stream"):
            try:
                getattr(fillers, name)
            except AttributeError:
                print("hidden", name)
        print(sorted(set(dir(fillers)) - set(fillers.__all__) - {"annotations"}))
        """
    )
    hidden = [line.split()[1] for line in out.splitlines() if line.startswith("hidden")]
    assert hidden == ["netproto", "boost", "core", "spec", "weights", "stream"]


def test_an_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'FillerParam'"):
        fillers.FillerParam  # noqa: B018


# A user's own caffe_pb2 (package "caffe") and a user's copy of this very schema (same file
# name, same package "fillers"), registered in the default pool as generated code does it.
REGISTER_OTHER_SCHEMAS = """
    import ast, importlib.util
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format

    def our_serialized_schema():
        # Read from the source, not imported: the user's copies may come first.
        source = open(importlib.util.find_spec("fillers._proto.filler_pb2").origin).read()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Assign) and node.targets[0].id == "_SERIALIZED_FILE":
                return node.value.value
        raise AssertionError("no serialized schema")

    def register_in_default_pool(serialized):
        pool = descriptor_pool.Default()
        file = pool.AddSerializedFile(serialized)
        get_class = getattr(message_factory, "GetMessageClass", None)
        if get_class is None:
            get_class = message_factory.MessageFactory(pool).GetPrototype
        return {name: get_class(message) for name, message in file.message_types_by_name.items()}

    ours = descriptor_pb2.FileDescriptorProto.FromString(our_serialized_schema())
    caffe_text = text_format.MessageToString(ours).replace(".fillers.", ".caffe.")
    caffe = text_format.Parse(caffe_text, descriptor_pb2.FileDescriptorProto())
    caffe.name, caffe.package = "caffe.proto", "caffe"
    caffe_pb2 = register_in_default_pool(caffe.SerializeToString())
    users_copy = register_in_default_pool(ours.SerializeToString())
"""

USE_BOTH = """
    import numpy as np
    import fillers
    from fillers.net.netparam import read_net

    # The user's classes are the default pool's; ours are not, though they share every name.
    find = descriptor_pool.Default().FindMessageTypeByName
    assert find("caffe.FillerParameter") is caffe_pb2["FillerParameter"].DESCRIPTOR
    assert find("fillers.FillerParameter") is users_copy["FillerParameter"].DESCRIPTOR
    assert fillers.FillerParameter.DESCRIPTOR is not users_copy["FillerParameter"].DESCRIPTOR
    assert fillers.FillerParameter is not users_copy["FillerParameter"]

    # Each side works, and bytes pass between them unchanged.
    theirs = caffe_pb2["FillerParameter"](type="xavier", variance_norm=caffe_pb2["FillerParameter"].AVERAGE)
    mine = fillers.FillerParameter.FromString(theirs.SerializeToString())
    assert fillers.to_dict(mine) == {"type": "xavier", "variance_norm": "AVERAGE"}
    copy = users_copy["FillerParameter"].FromString(fillers.parse('type: "msra"').SerializeToString())
    assert text_format.MessageToString(copy) == 'type: "msra"\\n'
    w = fillers.get_filler(mine).fill((4, 3), rng=fillers.CaffeRNG(1701))
    assert w.shape == (4, 3) and w.dtype == np.float32

    net = text_format.Parse(
        'layer { name: "ip" type: "InnerProduct" inner_product_param { num_output: 3 '
        'weight_filler { type: "xavier" } } }',
        caffe_pb2["NetParameter"](),
    )
    assert read_net(net).layer[0].inner_product_param.weight_filler.type == "xavier"
    print("ok")
"""


@pytest.mark.parametrize("fillers_first", [False, True], ids=["others-first", "fillers-first"])
def test_fillers_and_other_copies_of_the_schema_coexist(fillers_first):
    load_fillers_schema = "from fillers import FillerParameter\n" if fillers_first else ""
    script = textwrap.dedent(load_fillers_schema) + textwrap.dedent(REGISTER_OTHER_SCHEMAS)
    assert run_python(script + textwrap.dedent(USE_BOTH)) == "ok\n"

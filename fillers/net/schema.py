"""The schema a block of a net is read by: caffe.proto's message and the declared fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from google.protobuf.descriptor import Descriptor

from .._proto import filler_pb2
from .fields import FieldSpec, declared_fields, is_filler_name

FillerParameter = filler_pb2.FillerParameter
_LAYER = filler_pb2.LayerParameter.DESCRIPTOR


@dataclass(frozen=True)
class Schema:
    """What one block of a net may hold: a caffe.proto message (None in a fork's own block)
    and the fields declared beyond it."""

    message: Descriptor | None
    declared: Mapping[str, FieldSpec] = dataclass_field(default_factory=dict)
    origin: str = ""  # who declared a fork's own block

    def child(self, name: str) -> Schema:
        """The schema of block field `name` inside this one."""
        caffe = self.message.fields_by_name.get(name) if self.message is not None else None
        spec = self.declared.get(name)
        return Schema(
            caffe.message_type if caffe is not None else None,
            spec.fields if spec is not None and spec.kind == "block" else {},
            spec.origin if spec is not None else "",
        )

    def holds_filler(self, name: str) -> bool:
        """Whether block field `name` is a FillerParameter (by caffe.proto or a declaration;
        undeclared, by its name: `*_filler`)."""
        caffe = self.message.fields_by_name.get(name) if self.message is not None else None
        if caffe is not None:
            return caffe.message_type is FillerParameter.DESCRIPTOR
        spec = self.declared.get(name)
        return spec.kind == "filler" if spec is not None else is_filler_name(name)

    def names(self) -> list[str]:
        """Every field name this block may hold."""
        caffe = list(self.message.fields_by_name) if self.message is not None else []
        return caffe + [name for name in self.declared if name not in caffe]


def layer_schema(layer_type: str, *, v1: bool = False) -> Schema:
    """The schema of a `layer` (or V1 `layers`) block of type `layer_type`."""
    message = filler_pb2.V1LayerParameter.DESCRIPTOR if v1 else _LAYER
    return Schema(message, declared_fields(layer_type))

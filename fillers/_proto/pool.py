"""The schema's message classes, built at import from its serialized descriptor, on any protobuf.

Why not protoc's generated `*_pb2.py`: generated code checks the protobuf runtime against the
protoc that wrote it (code from protoc 7.35 refuses every runtime before 7.35), so shipping it
would force one protobuf version on every environment `fillers` is installed in. The serialized
FileDescriptorProto has no such tie: every runtime from 3.20.3 on reads it.

Why a private descriptor pool: the default pool holds one file per file name and one message
per full name, for the whole process. A user's own `caffe_pb2` (`caffe.FillerParameter`), a
converter's copy of caffe.proto, or another copy of this very schema may live in the same
process; in a pool of our own, neither side can collide with the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, FileDescriptor
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message


@dataclass(frozen=True)
class Schema:
    """One .proto file's top-level message classes and enum wrappers, by name."""

    file: FileDescriptor
    messages: dict[str, type[Message]]
    enums: dict[str, EnumTypeWrapper]


def load_schema(serialized_file: bytes, module_name: str) -> Schema:
    """Add a serialized FileDescriptorProto to a new private pool and build its classes.

    Each class is named as if `module_name` defined it (`module_name.FillerParameter`), so
    that pickle, copy and repr find it there; nested messages become class attributes, as in
    generated code. Nested enums (`FillerParameter.VarianceNorm`, `FillerParameter.FAN_IN`)
    are set by every runtime's message class itself; top-level enums get the EnumTypeWrapper
    that generated code would give them.
    """
    pool = descriptor_pool.DescriptorPool()
    file = pool.AddSerializedFile(serialized_file)
    class_of = class_builder(pool)
    messages = {
        name: _named_class(class_of, descriptor, module_name, name)
        for name, descriptor in file.message_types_by_name.items()
    }
    enums = {name: EnumTypeWrapper(descriptor) for name, descriptor in file.enum_types_by_name.items()}
    return Schema(file=file, messages=messages, enums=enums)


def class_builder(pool: descriptor_pool.DescriptorPool) -> Callable[[Descriptor], type[Message]]:
    """The runtime's way from a descriptor to its message class, without a deprecation warning.

    `message_factory.GetMessageClass` is missing from 3.20 and 4.21, where
    `MessageFactory.GetPrototype` is the way; GetPrototype warns on 4.25 and 5.x and is gone in 6.x.
    """
    get_message_class = getattr(message_factory, "GetMessageClass", None)
    if get_message_class is not None:
        return get_message_class
    return message_factory.MessageFactory(pool).GetPrototype


def _named_class(
    class_of: Callable[[Descriptor], type[Message]], descriptor: Descriptor, module_name: str, qualname: str
) -> type[Message]:
    cls = class_of(descriptor)
    cls.__module__ = module_name
    cls.__qualname__ = qualname
    for nested in descriptor.nested_types:
        setattr(cls, nested.name, _named_class(class_of, nested, module_name, f"{qualname}.{nested.name}"))
    return cls


def is_repeated(field: FieldDescriptor) -> bool:
    """Whether a field is repeated, on every runtime: `FieldDescriptor.is_repeated` is missing
    before protobuf 6.x, and `label` warns on 6.x's pure-Python backend and is gone from 7.x."""
    flag = getattr(field, "is_repeated", None)
    if flag is not None:
        return bool(flag)
    return field.label == FieldDescriptor.LABEL_REPEATED

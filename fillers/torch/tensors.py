"""The tensors fillers can write, and where a DTensor's shard sits in the full tensor.

A fill writes a plain strided tensor that owns each of its elements in writable memory: a
tensor, a Parameter, or a DTensor's local shard. Everything else (meta, fake, nested or
sparse tensors, overlapping views, read-only memory, an inference tensor outside inference
mode) is a FillerError before any draw.
"""

from __future__ import annotations

import ctypes
import os

import numpy as np
import torch

from ..errors import FillerError

Region = tuple[slice, ...]
"""The block of the full tensor a shard holds: one slice per axis."""

_EXACT = {torch.float32: np.float32, torch.float64: np.float64}
_ROUNDED = (torch.float16, torch.bfloat16)
_PLAIN = (torch.Tensor, torch.nn.Parameter)


def _dtensor_type() -> type | None:
    """torch's DTensor class; None where this torch has no public one (before 2.4)."""
    if not torch.distributed.is_available():
        return None
    try:
        from torch.distributed.tensor import DTensor
    except ImportError:
        return None
    return DTensor


def target_of(tensor: object, *, any_dtype: bool = False) -> tuple[torch.Tensor, Region | None]:
    """The plain tensor a fill writes (a DTensor's local shard) and, for a DTensor, the
    region of the full tensor it holds; FillerError for anything fillers cannot write."""
    if not isinstance(tensor, torch.Tensor):
        raise FillerError(f"tensor: {tensor!r} is not a torch.Tensor")
    if type(tensor) in _PLAIN:
        return _checked_plain(tensor, any_dtype), None
    dtensor = _dtensor_type()
    if dtensor is None or not isinstance(tensor, dtensor):
        raise FillerError(
            f"tensor: a {type(tensor).__name__} holds no values fillers can write; pass a plain "
            "tensor, a Parameter or a DTensor"
        )
    if any(placement.is_partial() for placement in tensor.placements):
        raise FillerError(
            f"tensor: a DTensor with placements {tensor.placements} holds partial sums, not values; "
            "redistribute it to Shard or Replicate first"
        )
    local = _checked_plain(tensor.to_local(), any_dtype)
    # The DTensor's own account of its shard, the one torch's distributed checkpoint writes.
    chunks = tensor.__create_chunk_list__()
    if len(chunks) != 1 or tuple(chunks[0].sizes) != tuple(local.shape):
        raise FillerError(
            f"tensor: a DTensor with placements {tensor.placements} whose local shard is not one block "
            "of the full tensor"
        )
    region = tuple(
        slice(offset, offset + size) for offset, size in zip(chunks[0].offsets, chunks[0].sizes, strict=True)
    )
    return local, region


def _checked_plain(tensor: torch.Tensor, any_dtype: bool = False) -> torch.Tensor:
    if type(tensor) not in _PLAIN:
        raise FillerError(f"tensor: a {type(tensor).__name__} holds no values fillers can write")
    if tensor.is_nested:
        raise FillerError("tensor: a nested tensor has no one shape to fill; fill each of its components")
    if tensor.device.type == "meta":
        raise FillerError(
            "tensor: a meta tensor holds no values; call module.to_empty(device=...) first, then fill"
        )
    if tensor.layout != torch.strided:
        raise FillerError(f"tensor: a {tensor.layout} tensor on {tensor.device} holds no values to fill")
    if not any_dtype and tensor.dtype not in _EXACT and tensor.dtype not in _ROUNDED:
        raise FillerError(
            f"tensor: dtype {tensor.dtype} is not supported; use float32, float64, float16 or bfloat16"
        )
    if tensor.is_inference() and not torch.is_inference_mode_enabled():
        raise FillerError(
            "tensor: an inference tensor is written only inside torch.inference_mode(), as torch rules"
        )
    if _overlaps(tensor):
        raise FillerError(
            f"tensor: shape {tuple(tensor.shape)} with strides {tensor.stride()} has elements that share "
            "memory (an expanded view?); fill a tensor that owns each element, e.g. after .clone()"
        )
    if not _writable_memory(tensor):
        raise FillerError(
            "tensor: its memory is read-only (a read-only memmap?); fill a writable copy (.clone())"
        )
    return tensor


def _overlaps(tensor: torch.Tensor) -> bool:
    """Whether two elements share memory. Usually settled by the strides alone: each axis's
    stride, smallest first, steps past every offset the smaller axes reach. Strides that
    interleave (shape (2, 3), strides (3, 2)) are settled by counting distinct offsets, at a
    cost of one int64 per element, paid only for such views."""
    dims = [(stride, size) for stride, size in zip(tensor.stride(), tensor.shape, strict=True) if size > 1]
    reach = 0
    for stride, size in sorted(dims):
        if stride <= reach:
            break
        reach += stride * (size - 1)
    else:
        return False
    if any(stride == 0 for stride, _ in dims):
        return True
    offsets = torch.zeros((), dtype=torch.int64)
    for stride, size in dims:
        offsets = offsets.unsqueeze(-1) + torch.arange(size, dtype=torch.int64) * stride
    return offsets.unique().numel() < offsets.numel()


def _writable_memory(tensor: torch.Tensor) -> bool:
    """Whether a CPU tensor's first and last bytes can be written. The kernel writes each byte
    back over itself from a pipe: read-only memory gives EFAULT, not the SIGSEGV a store would."""
    if tensor.device.type != "cpu" or tensor.numel() == 0 or not hasattr(os, "readv"):
        return True
    span = sum(stride * (size - 1) for stride, size in zip(tensor.stride(), tensor.shape, strict=True))
    first = tensor.data_ptr()
    for address in {first, first + span * tensor.element_size()}:
        byte = (ctypes.c_char * 1).from_address(address)
        read_end, write_end = os.pipe()
        try:
            os.write(write_end, bytes(byte))
            os.readv(read_end, [byte])
        except OSError:
            return False
        finally:
            os.close(read_end)
            os.close(write_end)
    return True


def fill_dtype(tensor: torch.Tensor) -> np.dtype:
    """The Caffe Dtype a tensor is filled in: its own for float32/float64, float (then
    rounded) for half precision."""
    return np.dtype(_EXACT.get(tensor.dtype, np.float32))


def write(local: torch.Tensor, values: np.ndarray) -> None:
    """Copy `values` into `local` (rounding to its dtype), through pinned memory for CUDA."""
    staging = torch.from_numpy(np.asarray(values, order="C"))
    if local.device.type == "cuda":
        staging = staging.pin_memory()
    with torch.no_grad():
        local.copy_(staging)


def fills_in_place(tensor: torch.Tensor) -> bool:
    return tensor.device.type == "cpu" and tensor.dtype in _EXACT and tensor.is_contiguous()

"""torch's own generator as the source of a filler's draws: the spec's distribution, torch's bits."""

from __future__ import annotations

import numpy as np
import torch

from ..errors import FillerError
from ..fill.filler import Filler
from ..random.draws import _Draws


def drawn_by_torch(
    filler: Filler, shape: tuple[int, ...], dtype: np.dtype, generator: torch.Generator
) -> np.ndarray:
    blob = np.empty(shape, dtype)
    state = generator.get_state()
    try:
        with np.errstate(all="ignore"):
            filler.generate(blob.reshape(-1), shape, TorchDraws(generator))
    except BaseException as error:
        generator.set_state(state)
        if isinstance(error, RuntimeError):
            raise FillerError(f"generator: torch refused a draw for {filler!r}: {error}") from None
        raise
    return blob


class TorchDraws(_Draws):
    """The draws a filler asks for (see fillers.random.draws), from a torch.Generator on its
    own device: torch's `uniform_`, `normal_` and a uniform compared with p, torch's bits.
    The profile is Caffe master's, as for a numpy Generator."""

    def __init__(self, generator: torch.Generator) -> None:
        super().__init__(generator)
        self.generator = generator

    def _drawn(self, out: np.ndarray, method: str, *args: float) -> None:
        values = torch.empty(len(out), dtype=torch.from_numpy(out[:0]).dtype, device=self.generator.device)
        getattr(values, method)(*args, generator=self.generator)
        out[:] = values.cpu().numpy()

    def uniform(self, out: np.ndarray, a: float, b: float) -> None:
        self._drawn(out, "uniform_", a, b)

    def gaussian(self, out: np.ndarray, mean: float, sigma: float) -> None:
        self._drawn(out, "normal_", mean, sigma)

    def bernoulli(self, out: np.ndarray, p: float, dtype: np.dtype) -> None:
        uniform = np.empty(len(out), dtype)
        self.uniform(uniform, 0.0, 1.0)
        np.less(uniform, np.dtype(dtype).type(p), out=out)

    def bernoulli_mask(self, data: np.ndarray, p: float) -> None:
        keep = np.empty(len(data), bool)
        self.bernoulli(keep, p, data.dtype)
        np.multiply(data, keep, out=data)

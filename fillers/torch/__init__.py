"""PyTorch bridge: fill tensors with Caffe's fillers, initialize modules by rules, and turn a
Caffe net's parameters into a state dict, on one process or on DTensor/FSDP2 shards.

Install with `pip install fillers[torch]`. Only this package imports torch, and only when it
is imported itself: `import fillers` never does. Its modules: init (fill_, init_), caffe
(state_dict, init_net_), tensors (what a fill can write; a DTensor's shard), draws (torch's
generator).

torch keeps Caffe's axis order ("OIHW" for Conv2d, "OI" for Linear), so the default layout
is Caffe's own. A ConvTranspose weight is (C_in, C_out / groups, kh, kw), exactly Caffe's
Deconvolution blob: fill it as is and the fans are Caffe's Deconvolution fans.

Streams: `rng=` a fillers stream (CaffeRNG: Caffe's bits; CounterRNG: keyed by each
parameter's name, the same values however the tensor is sharded; numpy Generator; None:
fillers' global stream, `fillers.set_random_seed`, which `torch.manual_seed` does not
touch), or `generator=` a torch.Generator (the spec's distribution, torch's bits).

Examples:
    >>> import torch, fillers, fillers.torch as ft
    >>> conv = torch.nn.Conv2d(3, 8, 3)
    >>> w = ft.fill_(conv.weight, 'type: "xavier"', rng=fillers.CaffeRNG(1))
    >>> bool((w.detach().numpy() == fillers.get_filler({"type": "xavier"}).fill((8, 3, 3, 3),
    ...      rng=fillers.CaffeRNG(1))).all())
    True
"""

from .caffe import NetReport, Rename, init_net_, state_dict
from .init import InitReport, fill_, init_

__all__ = ["InitReport", "NetReport", "Rename", "fill_", "init_", "init_net_", "state_dict"]

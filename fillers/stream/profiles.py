"""Profiles: which Caffe release and which Boost.Random a stream reproduces.

A profile names a real build: Caffe's filler code (the release) and Boost.Random's
distributions (the era). The default is the reference, BVLC master with Boost 1.74; the
others are the builds most published Caffe experiments ran on (Ubuntu's packages).

Boost.Random eras, as they touch caffe_rng_*:
- A (1.54-1.55): normal_distribution is Box-Muller with a cached pair; uniform_real has no
  guard against a range whose width overflows (it never returns).
- B (1.56-1.63): the 128-layer ziggurat of today, but its tail draws two inversion
  exponentials -log(1 - u) instead of the 256-layer exponential ziggurat.
- C (1.64-1.74): today's distributions.

Caffe releases: "master" (the reference) and "1.0" (= rc4, rc5 for the fillers), whose fans
come from the legacy 4-D accessors and whose bilinear kernel has another centre.

This module sits with the stream, below every distribution and filler: it only names things.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import FillerError

BOX_MULLER = "A"
"""Boost.Random 1.54-1.55: Box-Muller normals, uniform_real without an overflow guard."""
INVERSION_TAIL = "B"
"""Boost.Random 1.56-1.63: ziggurat normals whose tail uses inversion exponentials."""
ZIGGURAT_TAIL = "C"
"""Boost.Random 1.64-1.74: ziggurat normals with the exponential-ziggurat tail (today)."""

MASTER = "master"
"""BVLC Caffe master (9b89154, 2020): N-D fans, the corrected bilinear centre."""
CAFFE_1_0 = "1.0"
"""BVLC Caffe 1.0 (April 2017, = rc4/rc5 for the fillers): legacy 4-D fans, old bilinear."""


@dataclass(frozen=True)
class Profile:
    """A Caffe build whose bits a stream reproduces.

    name: "caffe-<release>_boost-<version>"; caffe: the release ("master" or "1.0");
    boost: Boost's version; boost_era: "A", "B" or "C" (see the module docstring);
    description: the era and which Ubuntu release shipped that build.
    """

    name: str
    caffe: str
    boost: str
    boost_era: str
    description: str

    def __str__(self) -> str:
        return self.name


_PROFILES = (
    Profile(
        "caffe-master_boost-1.74",
        MASTER,
        "1.74",
        ZIGGURAT_TAIL,
        "BVLC master (2020) with Boost 1.74 (Debian 12, Ubuntu 22.04): the reference and the "
        "default; Boost.Random 1.64 to 1.74 give the same bits",
    ),
    Profile(
        "caffe-1.0_boost-1.54",
        CAFFE_1_0,
        "1.54",
        BOX_MULLER,
        "Caffe 1.0 (2017) on Ubuntu 14.04 (Boost 1.54): Box-Muller normals, legacy fans, "
        "the old bilinear kernel",
    ),
    Profile(
        "caffe-1.0_boost-1.58",
        CAFFE_1_0,
        "1.58",
        INVERSION_TAIL,
        "Caffe 1.0 (2017) on Ubuntu 16.04 (Boost 1.58), the most common install: ziggurat "
        "normals with the inversion-exponential tail, legacy fans, the old bilinear kernel",
    ),
    Profile(
        "caffe-1.0_boost-1.65",
        CAFFE_1_0,
        "1.65",
        ZIGGURAT_TAIL,
        "Ubuntu 18.04's caffe-cpu package: Caffe 1.0 (2017) with Boost 1.65.1; today's "
        "distributions, legacy fans, the old bilinear kernel",
    ),
    Profile(
        "caffe-master_boost-1.58",
        MASTER,
        "1.58",
        INVERSION_TAIL,
        "BVLC master (2020) with Ubuntu 16.04's Boost 1.58: ziggurat normals with the "
        "inversion-exponential tail",
    ),
)

PROFILES: dict[str, Profile] = {profile.name: profile for profile in _PROFILES}
DEFAULT_PROFILE = PROFILES["caffe-master_boost-1.74"]


def profiles() -> dict[str, Profile]:
    """Every profile by name, the default first.

    Examples:
        >>> list(profiles())[:2]
        ['caffe-master_boost-1.74', 'caffe-1.0_boost-1.54']
        >>> profiles()["caffe-1.0_boost-1.58"].boost_era
        'B'
    """
    return dict(PROFILES)


def get_profile(profile: str | Profile | None) -> Profile:
    """The Profile named `profile` (a name or a Profile; None is the default), or FillerError
    listing the names."""
    if profile is None:
        return DEFAULT_PROFILE
    if isinstance(profile, Profile) and PROFILES.get(profile.name) == profile:
        return profile
    if isinstance(profile, str) and profile in PROFILES:
        return PROFILES[profile]
    raise FillerError(f"profile: {profile!r} is not a known profile; the profiles are {', '.join(PROFILES)}")

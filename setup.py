"""Builds fillers' compiled core (fillers/_core/core.c and counter.c) into a plain shared library.

Everything else about the package is in pyproject.toml. The library has no Python headers
and is loaded with ctypes, so the wheel is tagged py3-none-<platform>: one wheel per
platform serves every Python version. Without a working C compiler the install still
succeeds, with a one-line notice, and fillers uses its numpy path (`fillers.backend()`).

Floating point is pinned, because the core must round exactly as Caffe's build did:
-ffp-contract=off (GCC contracts `a * b + c` into an FMA at -O2 and above whenever the target
has FMA, which changes half of xavier's elements), SSE math on 32-bit x86 (x87's 80-bit
registers round differently), /fp:precise on MSVC.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import struct
import sys
from pathlib import Path

from setuptools import Command, Distribution, setup
from setuptools.command.build import build

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = Path(__file__).resolve().parent
CORE_DIR = Path("fillers", "_core")
SOURCES = [str(CORE_DIR / "core.c"), str(CORE_DIR / "counter.c")]
DEPENDS = [HERE / CORE_DIR / name for name in ("core.c", "core_real.h", "counter.c", "vector_loop.h")]


def _library_filename() -> str:
    # fillers/_core/names.py holds the one definition; the package is not importable yet.
    spec = importlib.util.spec_from_file_location("_fillers_core_names", HERE / CORE_DIR / "names.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.library_filename()


def _compile_flags(compiler_type: str) -> list[str]:
    if compiler_type == "msvc":
        return ["/O2", "/fp:precise"]
    # -fno-math-errno changes no result (only whether sqrt sets errno); it lets counter.c's
    # sqrt loop vectorize (issue 14).
    flags = ["-O3", "-std=c99", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno"]
    flags.append("-fvisibility=hidden")
    if platform.machine().lower() in ("i386", "i486", "i586", "i686", "x86", "amd64", "x86_64") and (
        struct.calcsize("P") == 4
    ):
        flags += ["-msse2", "-mfpmath=sse"]
    return flags + os.environ.get("FILLERS_CORE_CFLAGS", "").split()


class build_core(Command):
    """Compile the core into fillers/_core/ (in the build tree, or in place for `pip install -e`)."""

    description = "build fillers' compiled core (a ctypes-loaded shared library)"
    user_options = []  # noqa: RUF012 (distutils' interface)

    def initialize_options(self) -> None:
        self.build_lib = None
        self.editable_mode = False

    def finalize_options(self) -> None:
        self.set_undefined_options("build", ("build_lib", "build_lib"))

    def _target(self) -> Path:
        base = HERE if self.editable_mode else Path(self.build_lib)
        return base / CORE_DIR / _library_filename()

    def get_outputs(self) -> list[str]:
        return [] if self.editable_mode else [str(self._target())]

    def get_output_mapping(self) -> dict[str, str]:
        return {}

    def get_source_files(self) -> list[str]:
        return [str(path.relative_to(HERE)) for path in DEPENDS]

    def run(self) -> None:
        target = self._target()
        try:
            self._build(target)
        except Exception as error:  # any compiler or platform failure: the numpy path serves
            target.unlink(missing_ok=True)
            message = str(error).strip().splitlines()[-1:] or [type(error).__name__]
            print(
                f"fillers: the compiled core was not built ({message[0]}); "
                "fillers will use its numpy backend (slower, same bits)",
                file=sys.stderr,
            )

    def _build(self, target: Path) -> None:
        try:
            from setuptools._distutils.ccompiler import new_compiler
            from setuptools._distutils.sysconfig import customize_compiler
        except ImportError:  # pragma: no cover - very old setuptools
            from distutils.ccompiler import new_compiler
            from distutils.sysconfig import customize_compiler

        compiler = new_compiler(force=True)  # always rebuild: the object does not track core_real.h
        customize_compiler(compiler)
        build_temp = Path(self.get_finalized_command("build").build_temp) / "fillers_core"
        build_temp.mkdir(parents=True, exist_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        old_cwd = os.getcwd()
        os.chdir(HERE)  # the sources are given relative to the project
        try:
            objects = compiler.compile(
                SOURCES, output_dir=str(build_temp), extra_postargs=_compile_flags(compiler.compiler_type)
            )
            compiler.link_shared_object(
                objects,
                str(target),
                libraries=[] if compiler.compiler_type == "msvc" else ["m", "pthread"],
            )
        finally:
            os.chdir(old_cwd)


class DistributionWithCore(Distribution):
    """Platform-specific (the files go to platlib), like a distribution with extensions."""

    def has_ext_modules(self) -> bool:
        return True


class bdist_wheel_any_python(bdist_wheel):
    """A platform wheel for every Python 3: the core links to no Python library."""

    def get_tag(self) -> tuple[str, str, str]:
        _, _, plat = super().get_tag()
        return "py3", "none", plat


build.sub_commands = [*build.sub_commands, ("build_core", None)]

setup(
    distclass=DistributionWithCore,
    cmdclass={"build_core": build_core, "bdist_wheel": bdist_wheel_any_python},
)

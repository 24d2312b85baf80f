"""The `fillers` command line (`fillers.cli:main`, also `python -m fillers`)."""

from .commands import main

__all__ = ["main"]

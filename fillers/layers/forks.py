"""Layers of the Caffe forks behind the most-used published nets (see docs/forks.md)."""

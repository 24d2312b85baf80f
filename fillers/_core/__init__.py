"""The compiled core's C sources and, once built, its shared library (loaded by
fillers.random.compiled)."""

"""Code generated from proto/filler.proto by proto/generate.py; do not edit by hand."""

"""Benchmarks: each compares the product's path with a limit measured in the same run."""

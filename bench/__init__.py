"""Benchmarks: programs that print figures (never timed tests). Run one with `uv run python -m bench.<name>`."""

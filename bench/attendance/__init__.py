"""Attendance throughput and latency, end to end: `uv run python -m bench.attendance` (see `__main__.py`)."""

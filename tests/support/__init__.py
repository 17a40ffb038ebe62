"""Shared helpers for the cross-service tests: starting the system as processes, driving a browser."""

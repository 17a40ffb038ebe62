"""Alembic environment of the registry database."""

from lklr_shared.kit.migrations import run_alembic_env
from registry.adapters.orm import metadata

run_alembic_env(metadata)

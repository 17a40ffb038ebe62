"""Alembic environment of the portfolio database."""

from lklr_shared.kit.migrations import run_alembic_env
from portfolio.adapters.orm import metadata

run_alembic_env(metadata)

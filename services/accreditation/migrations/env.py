"""Alembic environment of the accreditation database."""

from accreditation.adapters.orm import metadata
from lklr_shared.kit.migrations import run_alembic_env

run_alembic_env(metadata)

"""The audit service's tables (sampling, cases and judgements arrive with the re-registration work)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

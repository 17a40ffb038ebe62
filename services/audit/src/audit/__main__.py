"""`python -m audit [serve|migrate]`."""

from audit.bootstrap import MIGRATIONS_DIR, SERVICE_NAME, build_runtime, load_settings
from lklr_shared.kit.cli import service_main

if __name__ == "__main__":
    raise SystemExit(service_main(SERVICE_NAME, load_settings, build_runtime, MIGRATIONS_DIR))

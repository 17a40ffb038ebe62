"""`python -m portfolio [serve|migrate]`."""

from lklr_shared.kit.cli import service_main
from portfolio.bootstrap import MIGRATIONS_DIR, SERVICE_NAME, build_runtime, load_settings

if __name__ == "__main__":
    raise SystemExit(service_main(SERVICE_NAME, load_settings, build_runtime, MIGRATIONS_DIR))

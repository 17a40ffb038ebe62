# Sourced by scripts/start and scripts/test: make `uv` available and the workspace installed.
if ! command -v uv >/dev/null 2>&1; then
  export PATH="$HOME/.local/bin:$PATH"
fi
if ! command -v uv >/dev/null 2>&1; then
  echo "installing uv (the workspace's package manager) from PyPI ..."
  python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
  hash -r
fi
uv sync --all-packages --frozen --quiet

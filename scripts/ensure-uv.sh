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
# Byte-compile the installed packages and the workspace's sources once (later runs only redo changed files). Every
# service process the system and the tests start imports some 1,500 modules; where PYTHONDONTWRITEBYTECODE is set
# (as on our CI machines) nothing is cached on import, and each start compiled them all again: about 4 s of CPU.
uv run --frozen python -m compileall -q -j 0 \
  "$(uv run --frozen python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
  services shared tests bench scripts >/dev/null 2>&1 || echo "byte-compiling failed: processes start slower" >&2

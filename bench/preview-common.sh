# Shared by bench/preview.sh and bench/preview-soak.sh (sourced, from the repository root):
# builds the release binary, copies the sample to a temporary folder ($work, removed on exit)
# and defines start_preview [DIR], which runs `renja preview` on DIR (default: the copy of the
# sample) on a free port and sets $pid and $url. Set RENJA_PREVIEW_TIMING=1 in the environment
# to get the per-compile timings in $work/preview.err; RENJA_PREVIEW_EVICT=N runs the preview
# with a plain `comemo::evict(N)` after each compile instead of its cache policy.
cargo build --release --quiet
bin=$(realpath "${CARGO_TARGET_DIR:-target}/release/renja")
mkdir -p bench/results
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cp -r content layouts fonts "$work/"

start_preview() {
  local dir=${1:-$work/content}
  : > "$work/preview.out"
  "$bin" preview "$dir" --port 0 > "$work/preview.out" 2> "$work/preview.err" &
  pid=$!
  for _ in $(seq 100); do grep -q http "$work/preview.out" 2>/dev/null && break; sleep 0.1; done
  url=$(grep -o 'http://[^ ]*' "$work/preview.out")
}

#!/usr/bin/env bash
# Benchmark: peak memory (maximum resident set size) and wall time of `renja check` and
# `renja build --format docx` on large synthetic editions (issue #21: at ×64 the DOCX writer within
# 300 MiB, `check` toward 1,5× what it reads plus a fixed base).
#
# Release build of this tree; editions ×16 and ×64 made by bench/gen-edition.py in a temporary
# folder; each command runs RUNS times (default 3, a fresh process per run); the median peak RSS,
# anonymous peak and wall time are printed with the input size (the edition folder) and
# the output size (the DOCX and its uncompressed word/document.xml), and the load average before
# and after.
#
# Usage: bench/memory.sh [BASE_RENJA]
#   BASE_RENJA: another renja binary (e.g. main's, built in another target folder) measured in the
#   same run, side by side; its ×N DOCX is compared with this tree's byte for byte (SHA-256).
# Environment: RUNS (default 3), FACTORS (default "16 64"), CARGO_TARGET_DIR as cargo reads it.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-}
runs=${RUNS:-3}
factors=${FACTORS:-16 64}
cargo build --release --quiet
target=${CARGO_TARGET_DIR:-target}
new="$target/release/renja"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$new" "$work/renja-new"
bins=("new:$work/renja-new")
if [ -n "$base" ]; then
  cp "$base" "$work/renja-base"
  bins=("base:$work/renja-base" "${bins[@]}")
fi

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)  ($(nproc) cores)"
# One measured run: prints "peak_kib wall_s anon_kib". The peak RSS is the kernel's own maximum
# (ru_maxrss from wait4); the anonymous peak (heap and stacks, without the binary's and the fonts'
# file-backed pages, which vary with the page cache) is sampled from /proc/PID/status as the
# process runs (a poll every ~0.2 ms, so a peak shorter than that can be missed).
measure() {
  python3 - "$@" <<'PY'
import os, re, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
anon = 0
while True:
    pid, status, ru = os.wait4(p.pid, os.WNOHANG)
    if pid:
        break
    try:
        m = re.search(r"^RssAnon:\s+(\d+)", open(f"/proc/{p.pid}/status").read(), re.M)
        anon = max(anon, int(m.group(1)))
    except (OSError, AttributeError):
        pass
    time.sleep(0.0002)
wall = time.monotonic() - t0
# `check` exits 1 when the edition has errors; a run killed by a signal does not count.
if os.WIFSIGNALED(status):
    sys.exit(f"{sys.argv[1:]} killed by signal {os.WTERMSIG(status)}")
print(ru.ru_maxrss, wall, anon)
PY
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-6s %-5s %-12s %12s %10s %10s %12s %s\n' edition bin command "peak MiB" "anon MiB" "wall s" "input MB" "output"
for f in $factors; do
  ed="$work/x$f"
  python3 bench/gen-edition.py "$f" "$ed" >/dev/null
  in_mb=$(du -sb "$ed" | awk '{printf "%.1f", $1/1e6}')
  for b in "${bins[@]}"; do
    name=${b%%:*}
    bin=${b#*:}
    for cmd in check docx; do
      : >"$work/samples"
      for _ in $(seq "$runs"); do
        if [ "$cmd" = check ]; then
          measure "$bin" check "$ed" >>"$work/samples"
        else
          measure "$bin" build "$ed" --format docx -o "$work/out-$name-$f" >>"$work/samples"
        fi
      done
      peak=$(awk '{print $1/1024}' "$work/samples" | median)
      wall=$(awk '{print $2}' "$work/samples" | median)
      anon=$(awk '{print $3/1024}' "$work/samples" | median)
      out=""
      if [ "$cmd" = docx ]; then
        docx=$(ls "$work/out-$name-$f"/*.docx)
        out=$(python3 - "$docx" <<'PY'
import os, sys, zipfile
d = sys.argv[1]
x = zipfile.ZipFile(d).getinfo("word/document.xml").file_size
print(f"DOCX {os.path.getsize(d)/1e6:.1f} MB (document.xml {x/1e6:.1f} MB)")
PY
)
      fi
      printf '%-6s %-5s %-12s %12.0f %10.1f %10.2f %12s %s\n' "×$f" "$name" "$cmd" "$peak" "$anon" "$wall" "$in_mb" "$out"
    done
  done
  if [ -n "$base" ]; then
    a=$(sha256sum "$work/out-base-$f"/*.docx | cut -d' ' -f1)
    b=$(sha256sum "$work/out-new-$f"/*.docx | cut -d' ' -f1)
    [ "$a" = "$b" ] && echo "×$f DOCX identical (sha256 ${a:0:16}…)" || echo "×$f DOCX DIFFERS: base ${a:0:16}… new ${b:0:16}…"
  fi
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

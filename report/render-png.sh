#!/usr/bin/env bash
# Renders the demo's 2020-11 report as a person would see it: the bizenv
# binary on a throw-away private PostgreSQL, the demo data imported, the
# HTML written by `bizenv report`, then a headless Chromium (Debian's
# `chromium`) screenshot at A4 proportions (1240x1754, 150 dpi). Chinese
# needs a CJK font on the machine, else every character is a box: Debian's
# `fonts-noto-cjk` (apt-get install chromium fonts-noto-cjk).
#
#   report/render-png.sh [BIN] [OUT.png]
set -euo pipefail
bin=${1:-bin/bizenv}
out=${2:-report-2020-11.png}
case $out in /*) ;; *) out=$PWD/$out ;; esac
if ! command -v chromium >/dev/null; then
  echo "render-png: chromium is not installed (apt-get install chromium fonts-noto-cjk)" >&2
  exit 1
fi
if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh family)" ]; then
  echo "render-png: no Chinese font installed, the report would show boxes (apt-get install fonts-noto-cjk)" >&2
  exit 1
fi
work=$(mktemp -d)
chmod 755 "$work" # the private cluster runs as the postgres user when started by root
trap 'rm -rf "$work"' EXIT
export BIZENV_DATABASE_URL=
"$bin" migrate --database.dir "$work/pg" --log.level warn --catalog.file deploy/demo/catalog.yaml
"$bin" import --database.dir "$work/pg" --log.level warn deploy/demo/seed-report.csv deploy/demo/synthetic.csv deploy/demo/items.csv >/dev/null
"$bin" report --database.dir "$work/pg" --log.level warn --period 2020-11 --entity wuhan-edz --format html -o "$work/report.html"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/chromium" --hide-scrollbars \
  --screenshot="$out" --window-size=1240,1754 "file://$work/report.html" 2>"$work/chromium.log" \
  || { cat "$work/chromium.log" >&2; exit 1; }
echo "wrote $out"

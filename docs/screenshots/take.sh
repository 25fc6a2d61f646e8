#!/usr/bin/env bash
# Screenshots of the shipped report as a reviewer sees it: the first
# 2,400 pixels of reports/control-plane/index.html (title, summary,
# ranking) at a laptop's width (1280 px) and a narrow window's (760 px),
# in the distribution's headless Chromium, which this installs with
# apt-get when it is missing. Records the SHA-256 of the page it shot in
# control-plane.source, so that tests/docs.rs fails when the report
# changes and the screenshots do not follow.
#
#   docs/screenshots/take.sh            # after `kubenines report ...`
set -euo pipefail
cd "$(dirname "$0")/../.."
page=reports/control-plane/index.html
out=docs/screenshots
height=2400

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    if [ "$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq chromium
    browser=$(command -v chromium)
fi

for width in 1280 760; do
    # The PNG is written whole beside its place and renamed over it.
    tmp="$out/.control-plane-$width.tmp.png"
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --force-device-scale-factor=1 --window-size="$width,$height" \
        --screenshot="$tmp" "file://$PWD/$page" 2>/dev/null
    mv "$tmp" "$out/control-plane-$width.png"
done
sha256sum "$page" | cut -d' ' -f1 > "$out/.control-plane.source.tmp"
mv "$out/.control-plane.source.tmp" "$out/control-plane.source"
echo "wrote $out/control-plane-1280.png and $out/control-plane-760.png of $page"

#!/usr/bin/env bash
# Vendors Swagger UI (npm package swagger-ui-dist, Apache-2.0) into
# internal/apidocs/swaggerui/, the assets GET /docs/{asset} serves.
#
# Reproducible: the version and the tarball's integrity are pinned below; the
# script fetches that tarball with `npm pack` into a temporary directory, checks
# its integrity, and copies only what Mosaic serves plus the licence texts.
# Files are copied byte for byte, so a rerun with the same pins changes nothing.
#
# To upgrade: set VERSION and INTEGRITY (`npm view swagger-ui-dist@<v> dist.integrity`),
# run `bash infra/swaggerui/update.sh`, then `go test ./internal/apidocs/`.
set -euo pipefail

VERSION=5.35.0
INTEGRITY=sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==

# What GET /docs/{asset} serves, and the texts the licence asks us to ship with it.
SERVED=(swagger-ui-bundle.js swagger-ui.css favicon-32x32.png)
LEGAL=(LICENSE NOTICE swagger-ui-bundle.js.LICENSE.txt)

# A response of API Gateway's Lambda integration must stay under 6 MB (JSON-escaped).
MAX_BYTES=$((4 * 1024 * 1024))

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out="$root/internal/apidocs/swaggerui"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v npm >/dev/null || { echo "update.sh: npm is required" >&2; exit 1; }

(cd "$tmp" && npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null)
tgz="$tmp/swagger-ui-dist-$VERSION.tgz"
[ -f "$tgz" ] || { echo "update.sh: npm pack produced no $tgz" >&2; exit 1; }

got="sha512-$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tgz")"
if [ "$got" != "$INTEGRITY" ]; then
  echo "update.sh: integrity mismatch for swagger-ui-dist@$VERSION" >&2
  echo "  want $INTEGRITY" >&2
  echo "  got  $got" >&2
  exit 1
fi

tar -xzf "$tgz" -C "$tmp"
rm -rf "$out"
mkdir -p "$out"
for f in "${SERVED[@]}" "${LEGAL[@]}"; do
  cp "$tmp/package/$f" "$out/$f"
  chmod 0644 "$out/$f"
done

for f in "${SERVED[@]}"; do
  size=$(wc -c <"$out/$f")
  if [ "$size" -gt "$MAX_BYTES" ]; then
    echo "update.sh: $f is $size bytes, over the $MAX_BYTES-byte limit for one Lambda response" >&2
    exit 1
  fi
done

{
  echo "swagger-ui-dist $VERSION"
  echo "integrity $INTEGRITY"
  echo "licence Apache-2.0 (LICENSE, NOTICE; bundled third-party notices in swagger-ui-bundle.js.LICENSE.txt)"
  echo "generator infra/swaggerui/update.sh"
  echo
  (cd "$out" && for f in "${SERVED[@]}" "${LEGAL[@]}"; do
    printf '%s  %8d  %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$(wc -c <"$f")" "$f"
  done)
} >"$out/VERSION"

cat "$out/VERSION"

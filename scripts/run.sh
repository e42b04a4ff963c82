#!/usr/bin/env bash
# Starts Berth for development: the API and portal on http://localhost:8080 (H2 in ./data).
# The first platform admin comes from BERTH_ADMIN_EMAIL / BERTH_ADMIN_PASSWORD, or is generated
# and printed once.
set -euo pipefail
cd "$(dirname "$0")/.."

export BERTH_DATA=${BERTH_DATA:-$PWD/data}
mkdir -p "$BERTH_DATA"
jar=api/target/berth-api-0.1.0-SNAPSHOT-all.jar

echo "Berth: API and portal on http://localhost:${BERTH_PORT:-8080}/ (data in $BERTH_DATA)"
exec java -jar "$jar" server config/dev.yml

#!/usr/bin/env bash
# What a new user gets, with npm itself doing the install (needs the npm registry; not part of
# `npm test`). Packs this repository, installs the tarball into a fresh project next to the peer
# versions the README names, and checks:
#   1. one copy of cdktf (npm ls), 2. the README's main.ts type-checks against the package's
#   declarations, 3. it synthesizes through azwi-app and compiled, with its peak memory, 4. npx azwi-review prints the chains,
#   5. a consumer on cdktf 0.20 is refused by npm at install (ERESOLVE).
# Usage: bash scripts/consumer-check.sh [WORKDIR]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
export CHECKPOINT_DISABLE=1
peers=(cdktf@0.21.0 constructs@10.4.2 @cdktf/provider-azurerm@14.23.1 @cdktf/provider-kubernetes@12.1.1 @cdktf/provider-time@11.0.1 @cdktf/provider-azuread@14.3.1)

cd "$repo"
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "packed: $tarball"

mkdir -p "$work/consumer" && cd "$work/consumer"
npm init -y >/dev/null
npm install --no-audit --no-fund "$tarball" "${peers[@]}" typescript@5.9.3 @types/node@20 >/dev/null
echo "1. cdktf copies:"; npm ls cdktf --all --parseable | sort -u | sed 's/^/   /'

awk '/<!-- consumer-main.ts -->/{f=1;next} f&&/^```ts/{g=1;next} g&&/^```/{exit} g{print}' "$repo/README.md" > main.ts
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "node16", "moduleResolution": "node16", "strict": true, "outDir": "build", "types": ["node"] }, "include": ["main.ts"] }
JSON
echo "2. tsc (node16 resolution, declarations of the package, no skipLibCheck):"
/usr/bin/time -f "   %e s, %M KB peak" npx tsc -p tsconfig.json && echo "   types resolve"

echo "3. synth through the README's app command (node node_modules/.bin/azwi-app main.ts), and from the compiled main.js:"
CDKTF_OUTDIR=cdktf.app.out /usr/bin/time -f "   azwi-app: %e s, %M KB peak" node node_modules/.bin/azwi-app main.ts
test -s cdktf.app.out/stacks/payments/cdk.tf.json && echo "   wrote cdktf.app.out/stacks/payments/cdk.tf.json"
CDKTF_OUTDIR=cdktf.out /usr/bin/time -f "   main.js: %e s, %M KB peak" node build/main.js
test -s cdktf.out/stacks/payments/cdk.tf.json && echo "   wrote cdktf.out/stacks/payments/cdk.tf.json"

echo "4. npx azwi-review:"; npx --no-install azwi-review cdktf.out | grep -m1 -o 'system:serviceaccount:payments:payments-api' | sed 's/^/   chain: /'

echo "5. a consumer on cdktf 0.20:"
mkdir -p "$work/old" && cd "$work/old" && npm init -y >/dev/null
if npm install --no-audit --no-fund "$tarball" cdktf@0.20.11 constructs@10.4.2 >install.log 2>&1; then
  echo "   NOT refused (unexpected)"; exit 1
else
  grep -m1 -E "ERESOLVE|peer cdktf" install.log | sed 's/^/   refused: /'
fi

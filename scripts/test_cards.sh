# Sourced by scripts/test: the cards' type check and unit tests on the host's node, and the
# committed bundle compared with a fresh build of frontend/ (a stale bundle fails the run).
pu_cards_check() {
    local dir="$PU_REPO/frontend"
    local bundle="$PU_REPO/custom_components/prepaid_utility/www/prepaid-utility-cards.js"
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        pu_log "SKIPPED cards: node/npm not installed (install Node.js >= 20 to check the cards)"
        return 0
    fi
    pu_log "cards: npm ci (when needed), tsc, unit tests (node --test), bundle equals a fresh build"
    if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.ci" 2>/dev/null; then
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
        cp "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.ci"
    fi
    (cd "$dir" && npx --no-install tsc --noEmit)
    (cd "$dir" && rm -rf dist-test && node build.mjs --tests && node --test --test-reporter=dot dist-test/)
    if ! (cd "$dir" && node build.mjs --stdout) | cmp -s - "$bundle"; then
        pu_log "FAILED cards: $bundle is not the build of frontend/src; run (cd frontend && npm run build)"
        return 1
    fi
    pu_log "cards: bundle up to date ($(wc -c <"$bundle") bytes, $(gzip -c "$bundle" | wc -c) gzipped)"
}

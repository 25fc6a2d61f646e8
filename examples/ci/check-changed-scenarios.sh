#!/usr/bin/env bash
# Checks every scenario file a change touches, for CI (docs/ci.md):
#
#   examples/ci/check-changed-scenarios.sh BASE_REF [OUT_DIR]
#
# For each scenario under scenarios/ (YAML, TOML or JSON; not the studies in
# scenarios/studies/) added or modified between BASE_REF and HEAD:
#
#  1. if BASE_REF has the file, run its base version to make a baseline; the
#     same command as step 2 (`check`), so an unchanged scenario runs the very
#     same replications with the same seed and compares as `unchanged`;
#  2. `kubenines check` the new version against that baseline, writing
#     OUT_DIR/junit/NAME.xml and OUT_DIR/summary/NAME.md.
#
# Exit 0 when every check passed (or none was needed), 1 when one failed (an
# SLO violated or inconclusive, or a metric significantly worse than the
# base), 2 when a scenario is bad input (it does not load, or has no `slos`
# and no base to compare with), 3 on anything else. Needs git and kubenines
# on PATH. KUBENINES_TOLERANCE, if set, is passed as --tolerance.

set -uo pipefail

base=${1:?usage: $0 BASE_REF [OUT_DIR]}
out=${2:-kubenines-ci}
baselines="$out/baselines"
mkdir -p "$out/junit" "$out/summary" "$out/base" "$out/log" "$baselines"

annotate() { # LEVEL FILE MESSAGE: an annotation on GitHub, a line elsewhere
    if [ "${GITHUB_ACTIONS:-}" = true ]; then
        echo "::$1 file=$2::$3"
    else
        echo "$1: $2: $3"
    fi
}

git rev-parse --verify --quiet "$base^{commit}" > /dev/null || {
    echo "no such commit: $base (fetch the base branch first)" >&2
    exit 2
}

mapfile -t changed < <(
    git diff --name-only --diff-filter=AMR "$base...HEAD" -- scenarios \
        | grep -E '\.(ya?ml|toml|json)$' | grep -v '^scenarios/studies/'
)
if [ "${#changed[@]}" -eq 0 ]; then
    echo "no scenario changed since $base"
    exit 0
fi

failed=0 bad=0 broken=0
for path in "${changed[@]}"; do
    # scenarios/team/prod.yaml -> team-prod: unique, and never a path.
    name=${path#scenarios/}
    name=${name%.*}
    name=${name//[^A-Za-z0-9_-]/-}
    ext=${path##*.}
    summary="$out/summary/$name.md"
    echo "== $path"

    with_baseline=()
    if git cat-file -e "$base:$path" 2> /dev/null; then
        # The base version keeps its extension: it decides the format.
        base_file="$out/base/$name.$ext"
        git show "$base:$path" > "$base_file"
        # 0 or 1 (the base meets its SLOs or not; a base without `slos` runs
        # one batch) both save the baseline. Anything else: the base does not
        # load with this kubenines; `run` is tried for its message.
        kubenines check "$base_file" --save-baseline "base-$name" \
            --baseline-dir "$baselines" --quiet > "$out/log/base-$name.txt" 2>&1
        case $? in
            0 | 1) with_baseline=(--baseline "base-$name" --baseline-dir "$baselines") ;;
            *)
                if kubenines run "$base_file" --save-baseline "base-$name" \
                    --baseline-dir "$baselines" --quiet > /dev/null 2>> "$out/log/base-$name.txt"; then
                    with_baseline=(--baseline "base-$name" --baseline-dir "$baselines")
                else
                    annotate warning "$path" "the base version does not run; checked without a baseline"
                fi
                ;;
        esac
    else
        echo "new file: no baseline"
    fi

    # --allow-unpaired: a pull request that changes the seed or horizon is
    # still compared (Welch's test, with a note), not refused as bad input.
    # KUBENINES_TOLERANCE (e.g. `1m/yr` or `5%`): how much more downtime
    # than the base to forgive (docs/ci.md); unset, every significant
    # increase fails.
    if [ "${#with_baseline[@]}" -gt 0 ]; then
        with_baseline+=(--allow-unpaired)
        if [ -n "${KUBENINES_TOLERANCE:-}" ]; then
            with_baseline+=(--tolerance "$KUBENINES_TOLERANCE")
        fi
    fi
    kubenines check "$path" "${with_baseline[@]}" \
        --junit "$out/junit/$name.xml" --markdown "$summary" --quiet 2> "$out/log/$name.err"
    status=$?
    cat "$out/log/$name.err" >&2
    message=$(tail -n 1 "$out/log/$name.err")
    message=${message#error: }
    case $status in
        0) ;;
        1)
            failed=1
            annotate error "$path" "$message"
            ;;
        2)
            bad=1
            annotate error "$path" "bad input: $message"
            # check wrote no summary: say why in its place.
            {
                echo "### ❌ \`$path\`: bad input (exit 2)"
                echo
                echo '```'
                cat "$out/log/$name.err"
                echo '```'
            } > "$summary"
            ;;
        *)
            broken=1
            annotate error "$path" "kubenines exited $status: a bug, please report it"
            ;;
    esac
done

if [ "$broken" = 1 ]; then exit 3; fi
if [ "$bad" = 1 ]; then exit 2; fi
exit "$failed"

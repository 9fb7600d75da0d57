#!/usr/bin/env bash
# Open an issue titled $TITLE (label weekly-scan) with the report $REPORT, or comment on the open one with that
# title: one issue per kind of finding, updated week after week until someone closes it.
# Needs GH_TOKEN (the workflow's token, issues: write) and the gh CLI (preinstalled on GitHub's runners).
set -euo pipefail
: "${TITLE:?}" "${REPORT:?}"
body="$(mktemp)"
{
  echo "Run: ${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}"
  echo
  if [ -s "$REPORT" ]; then head -c 60000 "$REPORT"; else echo "(no report was written: see the run's log)"; fi
} > "$body"
gh label create weekly-scan --color B60205 --description "Found by the weekly scheduled scan" 2>/dev/null || true
number="$(gh issue list --state open --label weekly-scan --search "\"$TITLE\" in:title" --json number,title \
  --jq "map(select(.title == \"$TITLE\")) | .[0].number // empty")"
if [ -n "$number" ]; then
  gh issue comment "$number" --body-file "$body"
else
  gh issue create --title "$TITLE" --label weekly-scan --body-file "$body"
fi

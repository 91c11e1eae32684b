#!/usr/bin/env bash
# The daily loop on bundled sample data, in a throwaway directory:
# init, import a CSV, commit, change it from a Parquet file, diff, log, branch, SQL, export.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/dl-quickstart.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export DL_HOME="$work/.dl-home"   # keep the user's own dl config out of this demo
show() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

show dl init --name "Quick Start" --email quickstart@example.com
show dl table import -c --pk id people "$here/fixtures/people.csv"
show dl status
show dl add .
show dl commit -m "import people"
show dl table import -u people "$here/fixtures/people_changes.parquet"
show dl diff
show dl diff --stat
show dl commit -am "update people from people_changes.parquet"
show dl checkout -b seniors
show dl sql -q "delete from people where age < 60"
show dl commit -am "seniors only"
show dl checkout main
show dl log --oneline --graph
show dl diff main seniors --summary
show dl sql -q "select city, count(*) as n, avg(age) as mean_age from people group by city order by n desc, city limit 5"
show dl table export people people.parquet
show dl table export people people_v1.csv --as-of HEAD~1
show dl reset --hard HEAD~1
show dl log --oneline
echo
echo "quickstart: all steps ran in $work (removed on exit)"

#!/usr/bin/env bash
# Re-vendors the État design system (DSFR) from npm: only the files the console serves.
# Usage: internal/console/static/dsfr/update.sh 1.15.3   (needs npm; works in a temp dir)
set -euo pipefail
version="${1:?usage: update.sh VERSION}"
here="$(cd "$(dirname "$0")" && pwd)"
# The utility icons the console's templates use (class fr-icon-NAME).
icons="account-circle-line logout-box-r-line folder-2-line file-add-line inbox-line notification-3-line
alarm-warning-line time-line printer-line download-line search-line bar-chart-box-line user-line
arrow-right-line arrow-go-back-line pause-circle-line play-circle-line close-circle-line check-line
calendar-line team-line error-warning-line information-line"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@gouvfr/dsfr@$version" >/dev/null && tar xzf gouvfr-dsfr-"$version".tgz)
src="$tmp/package"
rm -rf "$here/fonts" "$here/icons"
mkdir -p "$here/fonts" "$here/icons"
cp "$src/dist/dsfr.min.css" "$src/dist/dsfr.module.min.js" "$src/dist/dsfr.nomodule.min.js" "$src/dist/favicon/favicon.svg" "$here/"
cp "$src/LICENSE.md" "$here/LICENSE.md"
# Marianne only, woff2 only: every browser the console supports reads woff2.
for f in Regular Bold Medium Light Regular_Italic; do cp "$src/dist/fonts/Marianne-$f.woff2" "$here/fonts/"; done
# The icons dsfr.min.css itself points to, except the social networks' logos.
grep -o 'url(icons/[^)]*)' "$here/dsfr.min.css" | sed 's/^url(icons\///; s/)$//' | sort -u | grep -v '^logo/' |
while read -r i; do mkdir -p "$here/icons/$(dirname "$i")"; cp "$src/dist/icons/$i" "$here/icons/$i"; done
# The subset of the utility icon classes listed above, pointing at icons/ beside this file.
: > "$here/icons.css"
for name in $icons; do
  rule="$(tr '}' '\n' < "$src/dist/utility/icons/icons.min.css" | grep -E "^\.fr-icon-$name:after,\.fr-icon-$name:before\{" | head -n 1)"
  [ -n "$rule" ] || { echo "update.sh: no icon fr-icon-$name in DSFR $version" >&2; exit 1; }
  path="$(printf '%s' "$rule" | sed -E 's/.*mask-image:url\(\.\.\/\.\.\/icons\/([^)]*)\).*/\1/')"
  mkdir -p "$here/icons/$(dirname "$path")"
  cp "$src/dist/icons/$path" "$here/icons/$path"
  printf '%s}\n' "$(printf '%s' "$rule" | sed 's#\.\./\.\./icons/#icons/#g')" >> "$here/icons.css"
done
printf '@gouvfr/dsfr %s (npm), dist files only; re-vendor with update.sh %s\n' "$version" "$version" > "$here/VERSION"

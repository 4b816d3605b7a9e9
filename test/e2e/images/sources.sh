# Sourced by build-image.sh and build-all.sh: which Debian release and mirror the images come from.
#
# By default, the mirror this machine's apt uses: /etc/apt/sources.list.d/debian.sources when it
# names bookworm (it lists bookworm, bookworm-updates and bookworm-security), else
# deb.debian.org. QUIRE_DEBIAN_SOURCES may name another sources file (one-line or deb822 format).
DEBIAN_SUITE=bookworm
if [[ -n ${QUIRE_DEBIAN_SOURCES:-} ]]; then
  DEBIAN_SOURCES=("$QUIRE_DEBIAN_SOURCES")
elif [[ -f /etc/apt/sources.list.d/debian.sources ]] &&
  grep -q "^Suites:.*\b$DEBIAN_SUITE\b" /etc/apt/sources.list.d/debian.sources; then
  DEBIAN_SOURCES=(/etc/apt/sources.list.d/debian.sources)
else
  DEBIAN_SOURCES=(
    "deb http://deb.debian.org/debian $DEBIAN_SUITE main"
    "deb http://deb.debian.org/debian $DEBIAN_SUITE-updates main"
    "deb http://deb.debian.org/debian-security $DEBIAN_SUITE-security main"
  )
fi

# Text that identifies the sources, for the build stamps.
debian_sources_text() {
  local s
  for s in "${DEBIAN_SOURCES[@]}"; do
    if [[ -f $s ]]; then cat "$s"; else printf '%s\n' "$s"; fi
  done
}

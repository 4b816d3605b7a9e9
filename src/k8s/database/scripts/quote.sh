# Quoting helpers shared by the MariaDB scripts. Sourced, not run.

# Quote a value for a single-quoted SQL string literal.
sql_string() {
  local value=${1//\\/\\\\}
  printf "'%s'" "${value//\'/\\\'}"
}

# Quote a value for an option file (double quotes, backslash escapes).
cnf_string() {
  local value=${1//\\/\\\\}
  printf '"%s"' "${value//\"/\\\"}"
}

# Quote a value as an SQL identifier.
# shellcheck disable=SC2016 # the backticks are the quotes
sql_ident() { printf '`%s`' "${1//\`/\`\`}"; }

# Escape the wildcards of a database name used in GRANT ... ON <db>.*.
sql_pattern() {
  local value=${1//\\/\\\\}
  value=${value//_/\\_}
  printf '%s' "${value//%/\\%}"
}

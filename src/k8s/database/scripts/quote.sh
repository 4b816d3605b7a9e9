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

#!/usr/bin/env bash
# check-function-length: no function in src/ is longer than 80 lines (body, from the
# opening to the closing brace at column 0), except the SQL lexer, whose one switch is
# easier to read whole. Usage: scripts/check-function-length.sh [MAX] (called by `make lint`)
set -u
max=${1:-80}
allowed='^src/sqlsplit\.c:(lex|scan|sqlsplit_ex|next_token)$'
fail=0
while IFS=: read -r file name len; do
	if [ "$len" -gt "$max" ]; then
		if [[ "$file:$name" =~ $allowed ]]; then
			echo "check-function-length: $file: $name is $len lines (allowed: the SQL lexer)"
		else
			echo "check-function-length: $file: $name is $len lines (more than $max)" >&2
			fail=1
		fi
	fi
done < <(awk '
	/^[A-Za-z_].*\(/ { sig = $0 }
	/^\{/ { start = FNR; name = sig; sub(/\(.*/, "", name); n = split(name, w, /[ *]+/); name = w[n] }
	/^\}/ && start { print FILENAME ":" name ":" (FNR - start - 1); start = 0 }
' src/*.c src/*/*.c)
[ $fail -eq 0 ] && echo "check-function-length: ok (no function over $max lines outside the SQL lexer)"
exit $fail

#!/usr/bin/env python3
"""tests/stats_core.py FILE.bats...: the mechanical conversion of --stats
assertions to the run keys (common/acct.h, cdp_stats_emit()).  Every
assert_equal whose expected text holds a --stats object ('{"read"') gets
its first argument wrapped in $(stats_core ...) (tests/helper.bash), which
takes the run keys off, so that the account still compares exactly:
    assert_equal "$stderr" '{"read":5,...}'
 -> assert_equal "$(stats_core "$stderr")" '{"read":5,...}'
Idempotent: run it again on a branch that added such assertions."""
import re, sys
pat = re.compile(r'assert_equal\s+("\$\((?:[^()]|\([^()]*\))*\)"|"\$\{?[A-Za-z_][A-Za-z_0-9]*(?:\[[^]]*\])?\}?")')
for path in sys.argv[1:]:
    src = open(path).read()
    out, i = [], 0
    for m in pat.finditer(src):
        # The statement runs to the first newline outside quotes and
        # command substitutions that no backslash continues.
        seg_end = m.end()
        stack = []
        while seg_end < len(src):
            c = src[seg_end]
            top = stack[-1] if stack else None
            if top == "'":
                if c == "'":
                    stack.pop()
            elif c == '\\':
                seg_end += 1
            elif top == '"' and c == '"':
                stack.pop()
            elif c == '$' and src[seg_end + 1:seg_end + 2] == '(':
                stack.append('(')
                seg_end += 1
            elif top == '(' and c == ')':
                stack.pop()
            elif top != '"' and c == "'":
                stack.append("'")
            elif c == '"':
                stack.append('"')
            elif c == '\n' and not stack:
                break
            seg_end += 1
        stmt = src[m.start():seg_end]
        arg = m.group(1)
        if '{"read"' not in stmt or 'stats_core' in arg:
            continue
        out.append(src[i:m.start(1)])
        out.append('"$(stats_core %s)"' % arg)
        i = m.end(1)
    out.append(src[i:])
    new = ''.join(out)
    if new != src:
        open(path, 'w').write(new)
        print(path)

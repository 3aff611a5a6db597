package dev.kindling.tokenizer;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which tokens end a generation, by llama.cpp's rules (llama_vocab::impl::load, special_eog_ids). One table for GGUF
 * vocabularies and tokenizer.json files, so the two cannot drift apart.
 */
public final class EndOfGeneration {
    private EndOfGeneration() {}

    /**
     * Token texts llama.cpp treats as end of generation. Its end-of-turn and end-of-message texts (found when
     * tokenizer.ggml.eot_token_id / eom_token_id are absent) are all among these, so they add nothing here.
     */
    public static final Set<String> TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",
            "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]",
            "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
            "<\uFF5Cend\u2581of\u2581sentence\uFF5C>", "[e~[");
    /** Fill-in-the-middle pad, repo and file-separator texts, found when no id is given: llama.cpp ends on them. */
    static final List<String> FIM_PAD_TEXTS = List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]");
    static final List<String> FIM_REP_TEXTS = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>");
    static final List<String> FIM_SEP_TEXTS = List.of("<|file_sep|>");

    /**
     * The end-of-generation set as llama.cpp builds it: the FIM pad, repo and file-separator tokens (the ids given, or
     * found by text: llama.cpp takes whichever its hash map yields first, here the lowest id), every token whose text is
     * in {@link #TEXTS}, and EOS, EOT and EOM. Then, as llama.cpp does, {@code <|end|>} is left out when
     * {@code <|return|>} and {@code <|call|>} (gpt-oss) or {@code <|calls|>} and {@code <|flush|>} (solar-open) are in
     * the set: there it closes one message and the answer goes on; and {@code </s>} when {@code <|tool_response>} is
     * (Gemma 4). Ids below 0 are none; a null text is a token the texts are not looked for in.
     */
    public static int[] ids(String[] tokens, int eos, int eot, int eom, int fimPad, int fimRep, int fimSep) {
        Set<Integer> eog = new LinkedHashSet<>();
        eog.add(fimPad >= 0 ? fimPad : firstWithText(tokens, FIM_PAD_TEXTS));
        eog.add(fimRep >= 0 ? fimRep : firstWithText(tokens, FIM_REP_TEXTS));
        eog.add(fimSep >= 0 ? fimSep : firstWithText(tokens, FIM_SEP_TEXTS));
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] != null && TEXTS.contains(tokens[i])) {
                eog.add(i);
            }
        }
        eog.add(eos);
        eog.add(eot);
        eog.add(eom);
        eog.removeIf(i -> i < 0 || i >= tokens.length);
        Map<String, Integer> byText = new HashMap<>();
        for (int i : eog) {
            byText.put(tokens[i], i);
        }
        boolean call = byText.containsKey("<|call|>") || byText.containsKey("<|calls|>");
        if (byText.containsKey("<|end|>") && call && (byText.containsKey("<|return|>") || byText.containsKey("<|flush|>"))) {
            eog.remove(byText.get("<|end|>"));
        }
        if (byText.containsKey("<|tool_response>") && byText.containsKey("</s>")) {
            eog.remove(byText.get("</s>"));
        }
        return eog.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int firstWithText(String[] tokens, List<String> texts) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] != null && texts.contains(tokens[i])) {
                return i;
            }
        }
        return -1;
    }
}

package dev.kindling.tokenizer.chat;

import java.util.function.IntPredicate;

/** Scans a template expression for characters outside string literals and brackets, where Jinja2's grammar splits it. */
final class TopLevel {
    private TopLevel() {}

    /**
     * The first index from {@code from} (itself outside strings) outside strings and the brackets opened after
     * {@code from} where {@code at} holds; -1 if none.
     */
    static int find(String s, int from, IntPredicate at) {
        int depth = 0;
        char quote = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0 && at.test(i)) {
                    return i; // the bracket closing one opened before from
                }
                depth--;
            } else if (depth == 0 && at.test(i)) {
                return i;
            }
        }
        return -1;
    }
}

package dev.kindling.tokenizer.pretokenize;

/**
 * HF's {@code Split} pre-tokenizer (and the splitting step of ByteLevel, Digits, Punctuation, ...):
 * find the pattern's matches, optionally invert which parts count as matches, then keep or merge
 * the delimiters per {@link Behavior}, exactly as {@code NormalizedString::split} does.
 */
public final class Split extends SpanSplitter {
    public enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    private final SplitPattern pattern;
    private final Behavior behavior;
    private final boolean invert;

    public Split(SplitPattern pattern, Behavior behavior, boolean invert) {
        this.pattern = pattern;
        this.behavior = behavior;
        this.invert = invert;
    }

    public SplitPattern pattern() {
        return pattern;
    }

    public Behavior behavior() {
        return behavior;
    }

    public boolean invert() {
        return invert;
    }

    @Override
    public void split(CharSequence text, int from, int to, Splits out) {
        if (behavior == Behavior.ISOLATED && !invert && pattern instanceof Scanners.Scanner sc) {
            sc.splitAll(text, from, to, out); // the hot path: a hand-made scanner
            return;
        }
        if (behavior == Behavior.ISOLATED) {
            // every part is a piece: no bookkeeping needed
            int prev = from;
            int searchFrom = from;
            while (searchFrom < to) {
                long m = pattern.find(text, from, searchFrom, to);
                if (m < 0) {
                    break;
                }
                int s = (int) (m >>> 32);
                int e = (int) m;
                out.add(prev, s);
                out.add(s, e);
                prev = e;
                // an empty match only cuts the text where it stands; the search resumes one character later (as
                // Oniguruma's find_iter), while the next piece still starts at the match
                searchFrom = e > s ? e : s < to ? s + Character.charCount(Character.codePointAt(text, s)) : to;
            }
            out.add(prev, to);
            return;
        }
        // general case: collect (start, end, isMatch) parts, then apply the behaviour; REMOVED adds the parts that are
        // not delimiters (the matches, inverted) as it finds them, where it too held every part in arrays grown per call
        // (Whitespace splitting, BERT's first step)
        boolean removed = behavior == Behavior.REMOVED;
        int[] ps = removed ? null : new int[16];
        int[] pe = removed ? null : new int[16];
        boolean[] pm = removed ? null : new boolean[16];
        int n = 0;
        int prev = from;
        int searchFrom = from;
        while (searchFrom <= to) {
            long m = pattern.find(text, from, searchFrom, to);
            if (m < 0) {
                break;
            }
            int s = (int) (m >>> 32);
            int e = (int) m;
            if (removed) {
                out.add(invert ? s : prev, invert ? e : s);
            } else {
                if (n + 2 >= ps.length) {
                    ps = java.util.Arrays.copyOf(ps, ps.length * 2);
                    pe = java.util.Arrays.copyOf(pe, pe.length * 2);
                    pm = java.util.Arrays.copyOf(pm, pm.length * 2);
                }
                if (prev != s) {
                    ps[n] = prev;
                    pe[n] = s;
                    pm[n++] = invert;
                }
                ps[n] = s;
                pe[n] = e;
                pm[n++] = !invert;
            }
            prev = e;
            // after an empty match the search resumes one character later (as Oniguruma's find_iter)
            searchFrom = e > s ? e : (s < to ? s + Character.charCount(Character.codePointAt(text, s)) : to + 1);
        }
        if (removed) {
            if (!invert) {
                out.add(prev, to);
            }
            return;
        }
        if (prev < to) {
            if (n + 1 >= ps.length) {
                ps = java.util.Arrays.copyOf(ps, ps.length * 2);
                pe = java.util.Arrays.copyOf(pe, pe.length * 2);
                pm = java.util.Arrays.copyOf(pm, pm.length * 2);
            }
            ps[n] = prev;
            pe[n] = to;
            pm[n++] = invert;
        }
        switch (behavior) {
            case CONTIGUOUS -> {
                boolean prevMatch = false;
                int cs = -1;
                int ce = -1;
                for (int i = 0; i < n; i++) {
                    if (pm[i] == prevMatch && cs >= 0) {
                        ce = pe[i];
                    } else {
                        if (cs >= 0) {
                            out.add(cs, ce);
                        }
                        cs = ps[i];
                        ce = pe[i];
                    }
                    prevMatch = pm[i];
                }
                if (cs >= 0) {
                    out.add(cs, ce);
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                boolean prevMatch = false;
                int cs = -1;
                int ce = -1;
                for (int i = 0; i < n; i++) {
                    if (pm[i] && !prevMatch && cs >= 0) {
                        ce = pe[i];
                    } else {
                        if (cs >= 0) {
                            out.add(cs, ce);
                        }
                        cs = ps[i];
                        ce = pe[i];
                    }
                    prevMatch = pm[i];
                }
                if (cs >= 0) {
                    out.add(cs, ce);
                }
            }
            case MERGED_WITH_NEXT -> {
                // HF folds from the right: a match joins the piece after it
                int[] rs = new int[n];
                int[] re = new int[n];
                int k = 0;
                boolean prevMatch = false;
                for (int i = n - 1; i >= 0; i--) {
                    if (pm[i] && !prevMatch && k > 0) {
                        rs[k - 1] = ps[i];
                    } else {
                        rs[k] = ps[i];
                        re[k] = pe[i];
                        k++;
                    }
                    prevMatch = pm[i];
                }
                for (int i = k - 1; i >= 0; i--) {
                    out.add(rs[i], re[i]);
                }
            }
            default -> throw new IllegalStateException();
        }
    }
}

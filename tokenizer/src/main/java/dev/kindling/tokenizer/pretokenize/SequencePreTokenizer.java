package dev.kindling.tokenizer.pretokenize;

import java.util.List;

/** HF's Sequence pre-tokenizer: the stages in order. */
public final class SequencePreTokenizer implements PreTokenizer {
    private final PreTokenizer[] stages;
    private final ThreadLocal<Splits[]> scratch = ThreadLocal.withInitial(() -> new Splits[] {new Splits(), new Splits()});

    public SequencePreTokenizer(List<PreTokenizer> stages) {
        this.stages = stages.toArray(PreTokenizer[]::new);
    }

    public List<PreTokenizer> stages() {
        return List.of(stages);
    }

    @Override
    public boolean rewritesText() {
        for (PreTokenizer p : stages) {
            if (p.rewritesText()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void apply(Splits in, Splits out) {
        if (stages.length == 0) {
            ByteLevelPreTokenizer.copy(in, out);
            return;
        }
        if (stages.length == 1) {
            stages[0].apply(in, out);
            return;
        }
        // alternate between two scratch buffers; the last stage writes into out
        Splits[] ab = scratch.get();
        Splits cur = in;
        for (int i = 0; i < stages.length; i++) {
            Splits target = i == stages.length - 1 ? out : (cur == ab[0] ? ab[1] : ab[0]);
            stages[i].apply(cur, target);
            cur = target;
        }
    }
}

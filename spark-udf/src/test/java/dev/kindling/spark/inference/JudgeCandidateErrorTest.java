package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** A judge's failures say which candidate failed and why; a judge never reads a prompt cut to fit its context. */
class JudgeCandidateErrorTest {
    static String tooLong() {
        return "Lily saw a big dog. ".repeat(600);
    }

    static Judge judge() {
        return new Judge().setModel(Stories.model().toString()).setThreads(2).setMethod("logprobs").setRubric("honesty");
    }

    /**
     * One candidate of an array too long for the judge's context failed the row with the engine's words alone ("the text
     * has 4717 tokens but the context holds 2048"): which of the candidates it was, the error did not say.
     */
    @Test
    void theErrorNamesTheCandidateThatFailed() {
        Dataset<Row> in = TestSpark.session().createDataFrame(List.of(
                RowFactory.create("Tell a story.", new String[] {"A dog ran.", tooLong(), "Lily smiled.", tooLong()})),
                new StructType().add("prompt", DataTypes.StringType).add("completion", DataTypes.createArrayType(DataTypes.StringType)));
        Row r = judge().transform(in).first();
        assertNull(r.get(2), "a row with a failed candidate has no judgments");
        String error = r.getString(3);
        assertTrue(error.startsWith("judge: candidate at index 1 (of 4): stories260K.gguf: the judge prompt and \"Rating:\" have "), error);
        assertTrue(error.contains("; candidate at index 3 (of 4): stories260K.gguf: the judge prompt and \"Rating:\" have "), error);
        assertTrue(!error.contains("index 0") && !error.contains("index 2"), error);
    }

    /**
     * Several candidates past the judge's context give the advice once, after the last of them: it was repeated for each
     * candidate (four copies with distill dpo --samples 4).
     */
    @Test
    void theAdviceIsGivenOnceForSeveralCandidates() {
        Dataset<Row> in = TestSpark.session().createDataFrame(List.of(
                RowFactory.create("Tell a story.", new String[] {tooLong(), "A dog ran.", tooLong(), tooLong()})),
                new StructType().add("prompt", DataTypes.StringType).add("completion", DataTypes.createArrayType(DataTypes.StringType)));
        String error = judge().transform(in).first().getString(3);
        assertEquals(1, error.split(java.util.regex.Pattern.quote(Judge.LONG_PROMPT_ADVICE), -1).length - 1, error);
        assertTrue(error.startsWith("judge: candidate at index 0 (of 4): stories260K.gguf: ") && error.contains("; candidate at "
                + "index 2 (of 4): stories260K.gguf: ") && error.contains("but the context holds 2048 (" + Judge.LONG_PROMPT_ADVICE), error);
        String[] candidates = error.split("; candidate at index ");
        assertEquals(3, candidates.length, error);
        assertTrue(candidates[0].contains("but the context holds 2048") && candidates[1].contains("but the context holds 2048")
                && !candidates[0].contains(Judge.LONG_PROMPT_ADVICE) && !candidates[1].contains(Judge.LONG_PROMPT_ADVICE), error);
    }

    /** A single response (a string column) has no index to give: its error is the engine's, as before. */
    @Test
    void aSingleResponseKeepsTheEnginesError() {
        Dataset<Row> in = TestSpark.session().createDataFrame(List.of(RowFactory.create("Tell a story.", tooLong())),
                new StructType().add("prompt", DataTypes.StringType).add("completion", DataTypes.StringType));
        String error = judge().transform(in).first().getString(3);
        assertTrue(error.startsWith("judge: stories260K.gguf: the judge prompt and \"Rating:\" have "), error);
    }

    /**
     * With truncatePrompts the engine keeps the end of a judge prompt that is too long: the rubric and the instruction at
     * its start are cut, and the rating that comes out reads as the rubric's.
     */
    @Test
    void aJudgeThatTruncatesPromptsIsRefused() {
        StructType schema = new StructType().add("prompt", DataTypes.StringType).add("completion", DataTypes.StringType);
        Judge judge = judge();
        KindlingException e = assertThrows(KindlingException.class, () -> judge.setTruncatePrompts(true).transformSchema(schema));
        assertEquals("Judge(" + judge.uid() + "): truncatePrompts is set, but a judge prompt cut to fit the context loses its start (the rubric "
                + "and the instruction) and its rating would not be the rubric's; setTruncatePrompts(false): a prompt too "
                + "long then fails its row with an error", e.getMessage());
    }
}

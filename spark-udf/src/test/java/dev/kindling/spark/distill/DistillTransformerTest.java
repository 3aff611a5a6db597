package dev.kindling.spark.distill;

import static dev.kindling.spark.stage.SavedStages.assertSameStage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.Judge;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sft and Dpo as the Spark ML Transformers the other stages are: typed params that a ParamMap gives (as
 * {@code transform(df, paramMap)} and CrossValidator do) and that are checked where given, {@code copy}, a
 * {@code transformSchema} that says the columns {@code transform} writes before anything runs, a stage of a
 * {@link Pipeline}, savable alone and in a saved PipelineModel with their teacher and judge. They were plain classes with
 * fields that no ParamMap or Pipeline could reach, and then Transformers that a Pipeline holding them could not save.
 */
class DistillTransformerTest {
    private static final StructType PROMPTS = new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType);
    @TempDir Path tmp;

    private static Dataset<Row> prompts() {
        return TestSpark.session().createDataFrame(List.of(
                org.apache.spark.sql.RowFactory.create("a", "Once upon a time"),
                org.apache.spark.sql.RowFactory.create("b", "Tom had a ball.")), PROMPTS);
    }

    private static Generate teacher(int maxTokens) {
        return new Generate().setModel(DistillTest.model().toString()).setThreads(2).setMaxTokens(maxTokens).setSeed(7);
    }

    private static List<String> reasons(Dataset<Row> rows) {
        return rows.orderBy("id").select("reason").as(Encoders.STRING()).collectAsList();
    }

    @Test
    void sftSaysItsColumnsBeforeItRunsAndAParamMapGivesItsParams() throws Exception {
        Generate teacher = teacher(4);
        Sft sft = new Sft(teacher, "stories260K");
        Dataset<Row> out = sft.transform(prompts());
        // the same names and types, nullability aside (catalogString leaves it out)
        assertEquals(sft.transformSchema(PROMPTS).catalogString(), out.schema().catalogString());
        assertEquals(List.of("id", "prompt_id", "prompt", "messages", "completion", "finish_reason", "model", "error", "reason"),
                List.of(out.columns()));
        // four tokens cut every answer: dropTruncated through a ParamMap rejects them all, the caller's stage keeps them
        assertEquals(java.util.Arrays.asList(null, null), reasons(out));
        // (and the teacher's 2 tokens: teacherMetrics are then that run's, where they stayed the run before's, 4 tokens a
        // prompt. Collected unordered: an orderBy runs the plan once more for its sample, and the counters count both)
        List<Row> truncated = sft.transform(prompts(), new ParamMap().put(sft.dropTruncated().w(true)).put(teacher.maxTokens().w(2)))
                .collectAsList();
        assertEquals(List.of("sft:truncated", "sft:truncated"), truncated.stream().map(r -> r.<String>getAs("reason")).toList());
        assertEquals(4, sft.teacherMetrics().generatedTokens(), "the map's 2 tokens for each of 2 prompts");
        assertEquals(2, sft.teacherMetrics().rows());
        assertEquals(false, sft.getDropTruncated());
        assertEquals(4, teacher.getMaxTokens());
        // a Pipeline runs a copy: the same uid, params and teacher
        Sft copy = sft.copy(new ParamMap().put(sft.modelName().w("teacher-b")));
        assertEquals(sft.uid(), copy.uid());
        assertEquals("teacher-b", copy.getModelName());
        assertEquals("stories260K", sft.getModelName());
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {copy}).fit(prompts());
        List<Row> piped = fitted.transform(prompts()).orderBy("id").collectAsList();
        List<Row> direct = out.orderBy("id").collectAsList();
        assertEquals(2, piped.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(direct.get(i).getAs("completion"), piped.get(i).<String>getAs("completion"), "a seeded teacher answers alike");
            assertEquals("teacher-b", piped.get(i).getAs("model"));
        }
        // the fitted pipeline with a map of the teacher's params runs its copy of the stage over a copy of the teacher: the
        // stage the caller holds reports that run, 1 token a prompt, where it kept the run above's (4 a prompt, counted twice)
        assertEquals(2, fitted.transform(prompts(), new ParamMap().put(teacher.maxTokens().w(1))).collectAsList().size());
        assertEquals(List.of(2L, 2L), List.of(copy.teacherMetrics().rows(), copy.teacherMetrics().generatedTokens()));
        // saved in the PipelineModel and alone, with its teacher: the same params and rows back
        String savedModel = tmp.resolve("model").toString();
        fitted.write().save(savedModel);
        PipelineModel loadedModel = PipelineModel.load(savedModel);
        assertSameStage(copy, loadedModel.stages()[0]);
        assertEquals(piped, loadedModel.transform(prompts()).orderBy("id").collectAsList());
        String saved = tmp.resolve("sft").toString();
        sft.write().save(saved);
        Sft back = Sft.load(saved);
        assertSameStage(sft, back);
        assertEquals(direct, back.transform(prompts()).orderBy("id").collectAsList());
        assertTrue(sft.explainParams().contains("dropTruncated"), sft.explainParams());
    }

    /** And a Dpo saved in a PipelineModel loads back with its teacher and judge, giving the same rows. */
    @Test
    void dpoSaysItsColumnsBeforeItRunsAndLoadsBackSaved() throws Exception {
        Generate sampler = teacher(6).setN(2).setTemperature(0.8);
        Judge judge = new Judge().setModel(DistillTest.model().toString()).setThreads(2).setMethod("logprobs");
        Dpo dpo = new Dpo(sampler, judge, "stories260K").setPromptCol("prompt");
        // run as Spark's transform(dataset, paramMap) runs it, a copy: teacherMetrics and judgeMetrics are that run's (they
        // were null)
        Dataset<Row> out = dpo.transform(prompts(), ParamMap.empty());
        assertEquals(dpo.transformSchema(PROMPTS).catalogString(), out.schema().catalogString());
        assertEquals(List.of("id", "prompt_id", "prompt", "chosen", "rejected", "chosen_rating", "rejected_rating", "model", "error",
                "reason"), List.of(out.columns()));
        List<Row> rows = out.orderBy("id").collectAsList();
        assertTrue(dpo.teacherMetrics() != null && dpo.teacherMetrics().rows() > 0 && dpo.teacherMetrics().generatedTokens() > 0);
        assertTrue(dpo.judgeMetrics() != null && dpo.judgeMetrics().promptTokens() > dpo.teacherMetrics().generatedTokens(),
                "the judge read every answer: " + dpo.judgeMetrics());
        String saved = tmp.resolve("model").toString();
        new Pipeline().setStages(new PipelineStage[] {dpo}).fit(prompts()).write().save(saved);
        PipelineModel loaded = PipelineModel.load(saved);
        assertSameStage(dpo, loaded.stages()[0]);
        assertEquals(rows, loaded.transform(prompts()).orderBy("id").collectAsList());
        Row pair = rows.stream().filter(r -> r.isNullAt(r.fieldIndex("reason"))).findFirst().orElseThrow();
        assertEquals("assistant", pair.<Row>getList(pair.fieldIndex("chosen")).get(1).getAs("role"));
        assertNotEquals(pair.getDouble(pair.fieldIndex("chosen_rating")), pair.getDouble(pair.fieldIndex("rejected_rating")));
    }

    @Test
    void badParamsAndInputsAreRefusedBeforeAnythingRuns() {
        Sft sft = new Sft(teacher(4), "stories260K");
        KindlingException blank = assertThrows(KindlingException.class, () -> sft.setPromptCol(" "));
        assertTrue(blank.getMessage().contains("promptCol must be a column name"), blank.getMessage());
        KindlingException missing = assertThrows(KindlingException.class, () -> sft.transformSchema(
                new StructType().add("id", DataTypes.StringType).add("question", DataTypes.StringType)));
        assertTrue(missing.getMessage().contains("no column 'prompt', given as promptCol"), missing.getMessage());
        assertEquals(List.of("prompt_id", "prompt", "messages", "completion", "finish_reason", "model", "error", "reason"),
                List.of(new Sft(teacher(4), "m").setPromptCol("question").transformSchema(
                        new StructType().add("question", DataTypes.StringType)).fieldNames()));
        // what the teacher refuses is refused here too: stories260K has no chat template to read a system prompt with
        KindlingException system = assertThrows(KindlingException.class,
                () -> new Sft(teacher(4), "m").setSystemPrompt("Tell a story.").transformSchema(PROMPTS));
        assertTrue(system.getMessage().contains("a system prompt is set, but chat is off"), system.getMessage());
        KindlingException number = assertThrows(KindlingException.class, () -> sft.transformSchema(
                new StructType().add("prompt", DataTypes.IntegerType)));
        assertTrue(number.getMessage().contains("column 'prompt' is int"), number.getMessage());
        KindlingException nothing = assertThrows(KindlingException.class, () -> new Sft(teacher(0), "m").transformSchema(PROMPTS));
        assertTrue(nothing.getMessage().contains("maxTokens 0"), nothing.getMessage());
        Judge judge = new Judge().setModel(DistillTest.model().toString());
        KindlingException greedy = assertThrows(KindlingException.class,
                () -> new Dpo(teacher(4).setN(2).setTemperature(0), judge, "m").transformSchema(PROMPTS));
        assertTrue(greedy.getMessage().contains("gives the same answer for every sample"), greedy.getMessage());
        KindlingException one = assertThrows(KindlingException.class, () -> new Dpo(teacher(4), judge, "m").transformSchema(PROMPTS));
        assertTrue(one.getMessage().contains("sample at least 2 answers"), one.getMessage());
    }
}

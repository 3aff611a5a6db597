package dev.kindling.spark.distill;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import dev.kindling.spark.io.Columns;
import dev.kindling.spark.io.DatasetReader;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.StageContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/** What the distillation stages share: message structs, the prompt id, and running a stage outside a CLI pipeline. */
final class Distill {
    private Distill() {}

    /**
     * A prompt or answer with nothing but white space, or nothing at all (as the CLI's reader judges a text empty): never
     * a usable turn of a conversation.
     */
    static final String BLANK = dev.kindling.formats.JsonLines.BLANK_TEXT;

    /**
     * Refuses a teacher that truncates long prompts: the engine would answer the end of a prompt too long for its context
     * while the row records all of it, so the conversation would pair a question with an answer to another.
     */
    static void requireWholePrompts(String stage, dev.kindling.spark.inference.Generate teacher) {
        if (teacher.getTruncatePrompts()) {
            throw dev.kindling.spark.KindlingException.usage(stage + ": the teacher has truncatePrompts set, but a prompt cut to "
                    + "fit its context would be recorded whole beside an answer to its end, which changes the data; "
                    + "setTruncatePrompts(false): a prompt too long then fails its row with an error");
        }
    }

    /**
     * What a row's error advises for a prompt longer than the teacher's context: distill refuses truncation
     * ({@link #requireWholePrompts}), so pointing to it would name an option the command will not take. Dpo's judge has
     * its own ({@link Dpo#JUDGE_LONG_PROMPT_ADVICE}).
     */
    static final String LONG_PROMPT_ADVICE = "shorten it: distill answers whole prompts only, as a prompt cut to fit would be "
            + "recorded whole beside an answer to its end";

    /**
     * The input's id column, first in the output, when the rows have one (the CLI's reader always gives them one, from
     * {@code --id-column} or made from the text): an output row is then joined back to its prompt row by it. None when its
     * name is one of the stage's own output columns.
     */
    static List<Column> idColumn(Dataset<Row> docs, StageContext context, List<String> outputNames) {
        String id = context.idColumn();
        if (id == null || outputNames.stream().anyMatch(n -> Columns.sameName(n, id)) || Columns.resolve(docs.schema(), id, "id") == null) {
            return List.of();
        }
        return List.of(Columns.named(id).as(id));
    }

    /** {@code {role, content}}. */
    static Column message(String role, Column content) {
        return struct(lit(role).as("role"), content.cast(DataTypes.StringType).as("content"));
    }

    /** {@code [system?], user: prompt, assistant: answer}. */
    static Column conversation(String system, Column prompt, Column answer) {
        List<Column> m = new ArrayList<>();
        if (system != null && !system.isEmpty()) {
            m.add(message("system", lit(system)));
        }
        m.add(message("user", prompt));
        m.add(message("assistant", answer));
        return array(m.toArray(new Column[0]));
    }

    /** SHA-256 of the prompt's UTF-8 bytes, lower-case hex (as {@code hashlib.sha256(p.encode()).hexdigest()}). */
    static Column promptId(Column prompt) {
        return sha2(prompt, 256);
    }

    /** {@code columns} then the accounting columns the pipeline needs (reason, source, raw), when present. */
    static Dataset<Row> select(Dataset<Row> docs, List<Column> columns) {
        return DatasetReader.selectWithAccounting(docs, columns, true);
    }

    /** Runs {@code stage} on a DataFrame (the API form): the stage's columns plus {@code error} and {@code reason}. */
    static Dataset<Row> run(PipelineStage stage, Dataset<Row> prompts, String promptColumn) {
        Dataset<Row> in = prompts;
        if (Columns.resolve(in.schema(), Columns.REASON, stage.name()) == null) {
            in = in.withColumn(Columns.REASON, lit(null).cast(DataTypes.StringType));
        }
        if (Columns.resolve(in.schema(), promptColumn, stage.name()) != null) {
            // the CLI's reader sets a null prompt aside (read:null_text); here such a row came out with nothing in it and
            // neither an error nor a reason, like a kept row. An empty one (read:empty_text there) was answered from BOS
            // and kept: a conversation whose user turn says nothing
            Column prompt = Columns.named(promptColumn);
            in = in.withColumn(Columns.REASON, when(col(Columns.REASON).isNotNull(), col(Columns.REASON))
                    .when(prompt.isNull(), lit(stage.name() + ":null_prompt"))
                    .when(prompt.rlike(BLANK), lit(stage.name() + ":empty_prompt")));
        }
        StageContext ctx = new StageContext(in.sparkSession(), "id", promptColumn);
        Dataset<Row> out = stage.apply(in, ctx);
        List<String> drop = new ArrayList<>(Arrays.asList(DatasetReader.internalColumns()));
        drop.remove(Columns.ERROR);
        // the metric columns the stages registered (rows with an error) count for a pipeline, not for the API's output,
        // as CurationStage.transform drops them
        drop.addAll(ctx.metricColumns().keySet());
        return out.drop(drop.toArray(new String[0]));
    }
}

package dev.kindling.spark.sql;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.inference.HadoopConf;
import dev.kindling.spark.sql.SqlUdfs.Arg;
import dev.kindling.spark.tokenize.ExecutorTokenizers;
import dev.kindling.tokenizer.ChatTemplate;
import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.api.java.UDF4;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.collection.Seq;

/**
 * The tokenizer's SQL functions (the tokenizer is a path, loaded once per executor JVM):
 *
 * <pre>
 * kindling_tokenize(text, tokenizer)                -> array&lt;int&gt;   (no special tokens)
 * kindling_tokenize_ex(text, tokenizer, add_special) -> array&lt;int&gt;
 * kindling_tokenize_offsets(text, tokenizer, add_special)
 *                                                   -> array&lt;struct&lt;id: int, start: int, end: int&gt;&gt;
 *                                                      ([start, end) of each token in text, counted in
 *                                                      characters (code points) from 0 as HF's offsets and
 *                                                      SQL's substring count them; template tokens [0, 0))
 * kindling_tokenize_split_special(text, tokenizer, add_special, split_special_tokens)
 *                                                   -> array&lt;int&gt;   (split_special_tokens: text that spells a special
 *                                                      token is tokenized as text, as HF's split_special_tokens=True)
 * kindling_tokenize_offsets_split_special(text, tokenizer, add_special, split_special_tokens)
 *                                                   -> kindling_tokenize_offsets' structs for those ids (a spelled
 *                                                      special token's characters covered by its text tokens)
 * kindling_count_tokens(text, tokenizer)            -> int
 * kindling_count_tokens_ex(text, tokenizer, add_special) -> int
 * kindling_count_tokens_split_special(text, tokenizer, add_special, split_special_tokens) -> int
 * kindling_detokenize(ids, tokenizer)               -> string       (special tokens kept, NULL elements skipped; an id
 *                                                      outside the tokenizer's fails the query, naming it)
 * kindling_apply_chat_template(messages, tokenizer) -> string       (messages: array&lt;struct&lt;role, content&gt;&gt;,
 *                                                                    with the generation prompt)
 * kindling_apply_chat_template_ex(messages, tokenizer, add_generation_prompt, continue_final_message)
 *                                                   -> string       (transformers' two flags; not both)
 * </pre>
 * Null text or ids give null; a NULL element of the ids is skipped, as {@code array_join} skips them. A constant
 * {@code tokenizer} is looked up as the query is analysed ({@link ExecutorTokenizers#checkOnDriver}), naming the function
 * and the argument where it is not there or holds no tokenizer. A registered
 * Spark function has one arity, so the form with the special-token flag is
 * {@code kindling_tokenize_ex(text, tokenizer, add_special)}, and the form with both flags
 * {@code kindling_tokenize_split_special(text, tokenizer, add_special, split_special_tokens)}; the counts and offsets
 * likewise.
 */
public final class TokenizerFunctions {
    private TokenizerFunctions() {}

    public static void register(SparkSession spark) {
        // the session's Hadoop settings travel with each query's tasks, for tokenizers on s3a:// (as the inference
        // functions' for models): an executor's default configuration lacks the job's endpoint and keys
        HadoopConf hadoop = HadoopConf.live(spark);
        // a constant tokenizer is looked up as the query is analysed, as a stage's tokenizer when transform is called
        Arg tokenizerArg = Arg.path("tokenizer", ExecutorTokenizers::checkOnDriver);
        // each function's tokenizer, as its errors name it, is asked of the function's arguments
        SqlFunction tokenize = SqlUdfs.function("kindling_tokenize", Arg.string("text"), tokenizerArg);
        SqlFunction.Argument tokenizeTok = tokenize.argument("tokenizer");
        SqlUdfs.register(spark, tokenize,
                (UDF2<String, String, int[]>) (text, tok) -> text == null ? null : tokenizer(tokenizeTok, tok, hadoop).encode(text, false),
                DataTypes.createArrayType(DataTypes.IntegerType, false));
        SqlFunction tokenizeEx = SqlUdfs.function("kindling_tokenize_ex", Arg.string("text"), tokenizerArg, Arg.bool("add_special"));
        SqlFunction.Argument tokenizeExTok = tokenizeEx.argument("tokenizer");
        SqlUdfs.register(spark, tokenizeEx,
                (UDF3<String, String, Boolean, int[]>) (text, tok, special) -> text == null ? null
                        : tokenizer(tokenizeExTok, tok, hadoop).encode(text, special != null && special),
                DataTypes.createArrayType(DataTypes.IntegerType, false));
        SqlFunction tokenizeSplit = SqlUdfs.function("kindling_tokenize_split_special", Arg.string("text"), tokenizerArg,
                Arg.bool("add_special"), Arg.bool("split_special_tokens"));
        SqlFunction.Argument tokenizeSplitTok = tokenizeSplit.argument("tokenizer");
        SqlUdfs.register(spark, tokenizeSplit,
                (UDF4<String, String, Boolean, Boolean, int[]>) (text, tok, special, split) -> text == null ? null
                        : tokenizer(tokenizeSplitTok, tok, hadoop).encode(text, special != null && special, split == null || !split),
                DataTypes.createArrayType(DataTypes.IntegerType, false));
        SqlFunction offsets = SqlUdfs.function("kindling_tokenize_offsets", Arg.string("text"), tokenizerArg, Arg.bool("add_special"));
        SqlFunction.Argument offsetsTok = offsets.argument("tokenizer");
        SqlUdfs.register(spark, offsets,
                (UDF3<String, String, Boolean, List<Row>>) (text, tok, special) -> text == null ? null
                        : offsetRows(text, tokenizer(offsetsTok, tok, hadoop).encodeWithOffsets(text, special != null && special)),
                DataTypes.createArrayType(OFFSET_TYPE, false));
        SqlFunction offsetsSplit = SqlUdfs.function("kindling_tokenize_offsets_split_special", Arg.string("text"), tokenizerArg,
                Arg.bool("add_special"), Arg.bool("split_special_tokens"));
        SqlFunction.Argument offsetsSplitTok = offsetsSplit.argument("tokenizer");
        SqlUdfs.register(spark, offsetsSplit,
                (UDF4<String, String, Boolean, Boolean, List<Row>>) (text, tok, special, split) -> text == null ? null
                        : offsetRows(text, tokenizer(offsetsSplitTok, tok, hadoop).encodeWithOffsets(text,
                                special != null && special, split == null || !split)),
                DataTypes.createArrayType(OFFSET_TYPE, false));
        SqlFunction count = SqlUdfs.function("kindling_count_tokens", Arg.string("text"), tokenizerArg);
        SqlFunction.Argument countTok = count.argument("tokenizer");
        SqlUdfs.register(spark, count,
                (UDF2<String, String, Integer>) (text, tok) -> text == null ? null : tokenizer(countTok, tok, hadoop).count(text, false),
                DataTypes.IntegerType);
        SqlFunction countEx = SqlUdfs.function("kindling_count_tokens_ex", Arg.string("text"), tokenizerArg, Arg.bool("add_special"));
        SqlFunction.Argument countExTok = countEx.argument("tokenizer");
        SqlUdfs.register(spark, countEx,
                (UDF3<String, String, Boolean, Integer>) (text, tok, special) -> text == null ? null
                        : tokenizer(countExTok, tok, hadoop).count(text, special != null && special),
                DataTypes.IntegerType);
        SqlFunction countSplit = SqlUdfs.function("kindling_count_tokens_split_special", Arg.string("text"), tokenizerArg,
                Arg.bool("add_special"), Arg.bool("split_special_tokens"));
        SqlFunction.Argument countSplitTok = countSplit.argument("tokenizer");
        SqlUdfs.register(spark, countSplit,
                (UDF4<String, String, Boolean, Boolean, Integer>) (text, tok, special, split) -> text == null ? null
                        : tokenizer(countSplitTok, tok, hadoop).encode(text, special != null && special, split == null || !split).length,
                DataTypes.IntegerType);
        SqlFunction detokenize = SqlUdfs.function("kindling_detokenize", Arg.ids("ids"), tokenizerArg);
        SqlFunction.Argument detokenizeIds = detokenize.argument("ids");
        SqlFunction.Argument detokenizeTok = detokenize.argument("tokenizer");
        SqlUdfs.register(spark, detokenize,
                (UDF2<Seq<Number>, String, String>) (ids, tok) -> ids == null ? null : detokenize(detokenizeIds, ids, detokenizeTok, tok, hadoop),
                DataTypes.StringType);
        SqlFunction chat = SqlUdfs.function("kindling_apply_chat_template", Arg.messages("messages"), tokenizerArg);
        SqlFunction.Argument chatTok = chat.argument("tokenizer");
        SqlUdfs.register(spark, chat,
                (UDF2<Seq<Row>, String, String>) (messages, tok) -> messages == null ? null
                        : applyChatTemplate(messages, chatTok, tok, true, false, hadoop),
                DataTypes.StringType);
        SqlFunction chatEx = SqlUdfs.function("kindling_apply_chat_template_ex", Arg.messages("messages"), tokenizerArg,
                Arg.bool("add_generation_prompt"), Arg.bool("continue_final_message"));
        SqlFunction.Argument chatExTok = chatEx.argument("tokenizer");
        SqlUdfs.register(spark, chatEx,
                (UDF4<Seq<Row>, String, Boolean, Boolean, String>) (messages, tok, generationPrompt, continueFinal) -> messages == null
                        ? null : applyChatTemplate(messages, chatExTok, tok, generationPrompt != null && generationPrompt,
                                continueFinal != null && continueFinal, hadoop),
                DataTypes.StringType);
        // both constant true is refused as the query is analysed, not in a task once per row
        SqlUdfs.checkConstantBooleans(spark, chatEx.argument("add_generation_prompt"), chatEx.argument("continue_final_message"),
                (generationPrompt, continueFinal) -> checkChatFlags(chatEx.name(), generationPrompt, continueFinal));
    }

    /** One token of {@code kindling_tokenize_offsets}. */
    public static final StructType OFFSET_TYPE = new StructType()
            .add("id", DataTypes.IntegerType, false)
            .add("start", DataTypes.IntegerType, false)
            .add("end", DataTypes.IntegerType, false);

    /**
     * The encoding's offsets in code points. The Java API counts UTF-16 units; SQL's {@code substring} and {@code length}
     * count characters, as HF's offsets do, so the two differ after every character outside the BMP (an emoji), and a
     * SQL user slicing with UTF-16 offsets would get text shifted by one per such character.
     */
    static List<Row> offsetRows(String text, Encoding e) {
        int[] codePointAt = null; // UTF-16 index -> code points before it; null while the text has no surrogate pair
        if (text.codePointCount(0, text.length()) != text.length()) {
            codePointAt = new int[text.length() + 1];
            for (int i = 0, cp = 0; i <= text.length(); i++) {
                codePointAt[i] = cp;
                if (i < text.length() && !(Character.isLowSurrogate(text.charAt(i)) && i > 0
                        && Character.isHighSurrogate(text.charAt(i - 1)))) {
                    cp++;
                }
            }
        }
        List<Row> rows = new ArrayList<>(e.size());
        for (int i = 0; i < e.size(); i++) {
            int start = e.start(i);
            int end = e.end(i);
            if (codePointAt != null) {
                start = codePointAt[start];
                end = codePointAt[end];
            }
            rows.add(RowFactory.create(e.ids()[i], start, end));
        }
        return rows;
    }

    /**
     * The text of {@code ids} (special tokens kept). An id outside the tokenizer's is refused, as {@code decode} refuses it,
     * naming the element and the way to HF's text: a generation's tokens end with such an id where a padded output layer's
     * end or stop id past the tokenizer's stopped it (they keep it, as vLLM's {@code token_ids} and transformers'
     * {@code generate} output keep the end token), and the tokenizer alone cannot tell it from a damaged id or another
     * tokenizer's; the query failed with "token id 505 is outside 0..499 of llama", which named neither.
     */
    static String detokenize(SqlFunction.Argument idsArgument, Seq<? extends Number> ids, SqlFunction.Argument tokArgument, String tok,
            HadoopConf hadoop) {
        Tokenizer t = tokenizer(tokArgument, tok, hadoop);
        int[] a = toInts(idsArgument, ids);
        for (int i = 0, element = 0; i < a.length; i++, element++) {
            while (ids.apply(element) == null) {
                element++; // the element's place in the array as given, its NULLs counted
            }
            if (a[i] < 0 || a[i] >= t.vocabSize()) {
                int last = t.vocabSize() - 1;
                throw new KindlingException(KindlingException.FAILURE, idsArgument.named() + ": element " + element
                        + " is token id " + a[i] + ", outside 0.." + last + " of tokenizer " + tok + ": an id of another tokenizer "
                        + "or a damaged one, or a padded output layer's end or stop id that ended a generation (its text, "
                        + "kindling_generate_ex's text, leaves it out); for the text of the others, filter(ids, i -> i BETWEEN 0 AND "
                        + last + ")");
            }
        }
        return t.decode(a, false);
    }

    /**
     * The ids without their NULL elements, as Spark's {@code array_join} and {@code concat_ws} skip NULL elements when
     * they make one string of an array: a NULL failed the whole query, though a filtered array
     * ({@code transform(ids, x -> IF(x < 32000, x, NULL))}) holds them by design. The elements may be of any integer
     * type: token ids written from Python are often BIGINT.
     */
    static int[] toInts(SqlFunction.Argument idsArgument, Seq<? extends Number> ids) {
        int[] a = new int[ids.size()];
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            Number v = ids.apply(i);
            if (v != null) {
                // BIGINT ids (Parquet from Python) are taken, but not cut to an int in silence
                long id = v.longValue();
                if (id != (int) id) {
                    throw new KindlingException(KindlingException.FAILURE, idsArgument.named() + ": element " + i
                            + " is " + id + ", not a token id (outside INT's range)");
                }
                a[n++] = (int) id;
            }
        }
        return n == a.length ? a : java.util.Arrays.copyOf(a, n);
    }

    /**
     * The tokenizer {@code tok}, argument {@code argument} of its function: a NULL or empty one is refused naming the
     * function and the argument (ExecutorTokenizers' "no tokenizer given" named neither, under Spark's FAILED_EXECUTE_UDF).
     */
    static Tokenizer tokenizer(SqlFunction.Argument argument, String tok, HadoopConf hadoop) {
        if (tok == null || tok.isBlank()) {
            throw KindlingException.usage(argument.function() + ": the tokenizer argument is " + (tok == null ? "NULL" : "empty")
                    + " (a tokenizer.json, .gguf, .tiktoken, tokenizer.bin or tokenizer.model path, or 'byte-level')");
        }
        try {
            return ExecutorTokenizers.get(tok, hadoop);
        } catch (KindlingException e) {
            // a tokenizer from a column, or one gone since the query was analysed: named as a constant one is
            throw dev.kindling.spark.executor.LocalFiles.naming(argument.named(), tok, e);
        }
    }

    /** Refuses {@code add_generation_prompt} with {@code continue_final_message}, as transformers' apply_chat_template does. */
    static void checkChatFlags(String function, boolean addGenerationPrompt, boolean continueFinalMessage) {
        if (addGenerationPrompt && continueFinalMessage) {
            throw KindlingException.usage(function + ": continue_final_message and add_generation_prompt are not compatible: "
                    + "continue_final_message continues the final message, add_generation_prompt starts a new assistant message");
        }
    }

    /**
     * {@code messages} through the chat template of the tokenizer {@code tok}, argument {@code tokArgument} of its
     * function, as {@code apply_chat_template(tokenize=False)} with {@code add_generation_prompt} and {@code
     * continue_final_message}, which it refuses together.
     */
    static String applyChatTemplate(Seq<Row> messages, SqlFunction.Argument tokArgument, String tok, boolean addGenerationPrompt,
            boolean continueFinalMessage, HadoopConf hadoop) {
        String function = tokArgument.function();
        checkChatFlags(function, addGenerationPrompt, continueFinalMessage);
        Tokenizer t = tokenizer(tokArgument, tok, hadoop);
        ChatTemplate template = t.chatTemplate().orElseThrow(() -> new KindlingException(KindlingException.FAILURE,
                function + ": tokenizer " + tok + " has no chat template"));
        List<Map<String, Object>> list;
        try {
            list = dev.kindling.spark.inference.Prompts.messages(scala.jdk.CollectionConverters.SeqHasAsJava(messages).asJava());
        } catch (IllegalArgumentException e) {
            throw new KindlingException(KindlingException.FAILURE, function + ": " + e.getMessage());
        }
        return continueFinalMessage ? template.renderContinuingFinalMessage(list, Map.of()) : template.render(list, addGenerationPrompt);
    }
}

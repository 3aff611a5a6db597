package dev.kindling.spark.stage;

import dev.kindling.spark.KindlingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.SparkSession;
import org.json4s.JObject;
import org.json4s.JValue;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The reader of Kindling's saved Spark ML stages: what each stage's static {@code read()} returns, and so what
 * {@code load(path)}, {@code Pipeline.load} and {@code PipelineModel.load} use. It reads the files Spark's
 * {@code DefaultParamsWritable} writes ({@code path/metadata}, through Spark's own {@code DefaultParamsReader.loadMetadata})
 * and sets the params as Spark's {@code DefaultParamsReader} does, except for a param the stage's class does not have
 * (renamed or removed in another version of Kindling, or a hand-edited file):
 *
 * <ul>
 *   <li>set in the saved stage ({@code paramMap}): the load fails naming the stage's class and uid, the path, the param
 *       and the params the class has. Spark's said only {@code Param X does not exist}: no stage, no path.
 *   <li>a saved default ({@code defaultParamMap}): skipped with a warning. The class sets its own defaults; a default an
 *       older or newer version wrote is no value the user chose.
 * </ul>
 *
 * <p>A stage that holds other stages (a {@code PerplexityFilter} its {@code Score}, {@code Sft} and {@code Dpo} their
 * teacher and judge) is read with {@link #of(Class, Maker)}: its maker loads each of them from the sub-directory that
 * {@link StageWriter} saved it in ({@link Nested#load}), and a sub-directory that is missing or holds another class is
 * an error naming the stage, its path and the sub-directory.
 */
public final class StageReader<T extends Params> extends MLReader<T> {
    private final Class<T> stageClass;
    /** Makes the stage from its uid; null: the class's public constructor taking a uid. */
    private final Maker<T> maker;

    private StageReader(Class<T> stageClass, Maker<T> maker) {
        this.stageClass = stageClass;
        this.maker = maker;
    }

    /** The reader of saved {@code stageClass} stages, made with the class's public constructor taking a uid. */
    public static <T extends Params> StageReader<T> of(Class<T> stageClass) {
        return new StageReader<>(stageClass, null);
    }

    /** The reader of saved {@code stageClass} stages that hold other stages, made by {@code maker}. */
    public static <T extends Params> StageReader<T> of(Class<T> stageClass, Maker<T> maker) {
        return new StageReader<>(stageClass, maker);
    }

    /** Makes a stage that holds other stages from its saved uid and those stages, which it loads from {@code nested}. */
    @FunctionalInterface
    public interface Maker<T> {
        T make(String uid, Nested nested);
    }

    /** The stages saved in the sub-directories of a saved stage ({@link StageWriter}'s layout). */
    public static final class Nested {
        private final String path;
        private final String owner;
        private final SparkSession spark;

        private Nested(String path, String owner, SparkSession spark) {
            this.path = path;
            this.owner = owner;
            this.spark = spark;
        }

        /**
         * The {@code nestedClass} stage saved in the sub-directory {@code name}, read as {@code StageReader.of(nestedClass)}
         * reads it (a stage made with a constructor taking its uid: the inference stages); a missing sub-directory, or one
         * holding another class, is an error naming the holding stage, its path and the sub-directory.
         */
        public <N extends Params> N load(String name, Class<N> nestedClass) {
            Path dir = new Path(path, name);
            String within = owner + " saved at " + path + ": its " + name;
            boolean saved;
            try {
                saved = dir.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(new Path(dir, "metadata"));
            } catch (IOException e) {
                throw new UncheckedIOException(within + ", " + dir + ": " + e.getMessage(), e);
            }
            if (!saved) {
                // Spark's reader said PATH_NOT_FOUND for a metadata directory, naming no stage
                throw KindlingException.usage(within + " (a " + nestedClass.getName() + ") is not there: no saved stage at " + dir
                        + " (the stage saves it in that sub-directory)");
            }
            StageReader<N> reader = of(nestedClass);
            reader.session(spark);
            return reader.load(dir.toString(), within);
        }
    }

    @Override
    public T load(String path) {
        return load(path, null);
    }

    /** {@link #load(String)}; {@code within}: which stage's nested stage this is, for the errors (null: none). */
    private T load(String path, String within) {
        DefaultParamsReader.Metadata metadata = metadata(path, within);
        if (!metadata.className().equals(stageClass.getName())) {
            // Spark's reader made the saved class and the cast to this one failed, naming neither path nor stage
            throw KindlingException.usage((within == null ? stageClass.getSimpleName() + ".load" : within) + ": " + path
                    + " holds a saved " + metadata.className() + ", not a " + stageClass.getName());
        }
        T stage;
        if (maker != null) {
            stage = maker.make(metadata.uid(), new Nested(path, stageClass.getSimpleName() + "(" + metadata.uid() + ")", sparkSession()));
        } else {
            try {
                stage = stageClass.getConstructor(String.class).newInstance(metadata.uid());
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(stageClass.getName() + " has no public constructor taking a uid", e);
            }
        }
        List<String> unknown = unknown(stage, metadata.params());
        if (!unknown.isEmpty()) {
            throw KindlingException.usage(ParamChecks.who(stage) + " saved at " + path + " sets "
                    + (unknown.size() == 1 ? "param " + unknown.get(0) + ", which " : "params " + String.join(", ", unknown) + ", which ")
                    + stageClass.getSimpleName() + " does not have (renamed or removed in this version of Kindling, or a hand-edited "
                    + "file?); its params: " + String.join(", ", names(stage)));
        }
        requireReadable(stage, path, metadata.params(), "");
        List<String> unknownDefaults = unknown(stage, metadata.defaultParams());
        requireReadable(stage, path, metadata.defaultParams(), "the default of ");
        if (!unknownDefaults.isEmpty()) {
            LoggerFactory.getLogger(StageReader.class).warn("{} saved at {}: skipped the saved default of {}, which {} does not have "
                    + "(a default of another version of Kindling; the stage's own defaults stand)", ParamChecks.who(stage), path,
                    String.join(", ", unknownDefaults), stageClass.getSimpleName());
        }
        metadata.getAndSetParams(stage, unknownDefaults.isEmpty() ? Option.empty()
                : Option.apply(CollectionConverters.asScala(unknownDefaults).toList()));
        return stage;
    }

    /**
     * The saved stage's metadata, Spark's {@code DefaultParamsReader.loadMetadata}; metadata that is there and cannot be
     * read (cut short, emptied, a field such as {@code class} or {@code uid} missing) is an error naming the path, where
     * Spark's said only what its JSON parser found ({@code Unexpected end-of-input}, {@code head of empty array}, {@code
     * Did not find value which can be converted into java.lang.String}).
     */
    private DefaultParamsReader.Metadata metadata(String path, String within) {
        try {
            return DefaultParamsReader.loadMetadata(path, sparkSession(), "");
        } catch (Exception e) { // Jackson's and json4s's exceptions are checked ones, thrown through Scala undeclared
            Path dir = new Path(path, "metadata");
            boolean there;
            try {
                there = dir.getFileSystem(sparkSession().sparkContext().hadoopConfiguration()).exists(dir);
            } catch (IOException io) {
                there = false;
            }
            if (!there && e instanceof RuntimeException r) {
                throw r; // Spark's error names the path that is missing
            }
            String why = e instanceof java.util.NoSuchElementException ? "it holds no line"
                    : String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getSimpleName());
            throw KindlingException.usage((within == null ? stageClass.getSimpleName() + ".load" : within) + ": " + path
                    + " holds no saved stage that can be read: its metadata, " + dir + ", is not the one JSON line Spark ML "
                    + "writes (cut short or edited?): " + why);
        }
    }

    /**
     * Refuses a saved value of {@code saved} (a JSON object of param names to values) that its param cannot read or that is
     * null, naming the stage, the path, the param and the value: Spark's reader said {@code Cannot decode JString(x) to
     * Double} or {@code Do not know how to convert JString(yes) into boolean}, naming neither, and read a boolean's null as
     * false.
     */
    private static void requireReadable(Params stage, String path, JValue saved, String what) {
        if (!(saved instanceof JObject o)) {
            return;
        }
        for (Tuple2<String, JValue> field : CollectionConverters.asJava(o.obj())) {
            if (!stage.hasParam(field._1())) {
                continue; // unknown: refused or skipped above
            }
            String json = org.json4s.jackson.JsonMethods$.MODULE$.compact(field._2());
            String why = null;
            if (field._2() instanceof org.json4s.JNull$) {
                why = "null is no value of it";
            } else {
                try {
                    stage.getParam(field._1()).jsonDecode(json);
                } catch (Exception e) { // json4s's MappingException is a checked one
                    why = String.valueOf(e.getMessage()).lines().findFirst().orElse(e.getClass().getSimpleName());
                }
            }
            if (why != null) {
                throw KindlingException.usage(ParamChecks.who(stage) + " saved at " + path + ": " + what + "param " + field._1()
                        + " is saved as " + json + ", which it cannot hold (a hand-edited file?): " + why);
            }
        }
    }

    /** The names in {@code saved} (a JSON object of param names to values) that {@code stage} has no param of. */
    private static List<String> unknown(Params stage, JValue saved) {
        List<String> out = new ArrayList<>();
        if (saved instanceof JObject o) { // anything else: Spark's getAndSetParams says what it cannot read, as before
            for (Tuple2<String, JValue> field : CollectionConverters.asJava(o.obj())) {
                if (!stage.hasParam(field._1())) {
                    out.add(field._1());
                }
            }
        }
        return out;
    }

    private static List<String> names(Params stage) {
        return Arrays.stream(stage.params()).map(Param::name).sorted().toList();
    }
}

package dev.kindling.spark.io;

import dev.kindling.spark.KindlingException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** The dataset formats Kindling reads and writes. */
public enum DataFormat {
    /** JSON Lines: one JSON object per line (also {@code .gz}/{@code .bz2} compressed). */
    JSONL,
    /** Apache Parquet. */
    PARQUET,
    /** Plain text, one document per line. */
    TEXT_LINES,
    /** Plain text, one document per file. */
    TEXT_FILES;

    /** The format a {@code --format}/{@code --input-format} value names, or null for none of these. */
    public static DataFormat named(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "jsonl", "json", "ndjson", "json-lines" -> JSONL;
            case "parquet" -> PARQUET;
            case "text", "text-lines", "lines", "txt" -> TEXT_LINES;
            case "text-files", "files" -> TEXT_FILES;
            default -> null;
        };
    }

    /** The suffixes of compressed files a name may end with after its format's ({@code part-0.jsonl.gz}). */
    public static final java.util.List<String> CODEC_SUFFIXES = java.util.List.of(".gz", ".bz2", ".deflate", ".lz4", ".snappy", ".zst");

    /** The format a path's name suggests, or null when the name says nothing. */
    public static DataFormat fromName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        // the suffixes of the codecs Kindling writes (--compression), so that its own output reads back as it was written;
        // and .zst, which the line reader then refuses saying why ("cannot tell the format" sent the user the wrong way)
        for (String c : CODEC_SUFFIXES) {
            if (n.endsWith(c)) {
                n = n.substring(0, n.length() - c.length());
            }
        }
        if (n.endsWith(".jsonl") || n.endsWith(".json") || n.endsWith(".ndjson")) {
            return JSONL;
        }
        if (n.endsWith(".parquet") || n.endsWith(".pq")) {
            return PARQUET;
        }
        if (n.endsWith(".txt") || n.endsWith(".text")) {
            return TEXT_LINES;
        }
        return null;
    }

    /**
     * Refuses inputs that reach the same file: Spark reads a file once per input that names it, so with {@code -i 'data/*'
     * -i data/part-1.jsonl} (or a folder and a file in it) every row of that file came out twice, as if the data held
     * duplicates. Identical paths are refused before Spark starts ({@code SparkJobOptions}); this compares what the
     * inputs match: a match of one that is, or is inside, a match of another (folders are read recursively). One glob's
     * matches are compared too: {@code {a,a/x.jsonl}} matches a folder and a file in it, {@code {a,link}} a folder and a
     * symbolic link to it, and Spark reads each match.
     */
    public static void requireDisjoint(List<String> inputs, Configuration conf) {
        if (inputs.size() < 2 && inputs.stream().noneMatch(DataFormat::isGlob)) {
            return;
        }
        java.util.Map<Path, Match> matchedBy = new java.util.HashMap<>();
        for (String input : inputs) {
            Path p = new Path(input);
            FileStatus[] found;
            try {
                found = globStatus(p.getFileSystem(conf), p, "input " + input);
            } catch (IOException e) {
                continue; // infer reported what it could not list
            }
            for (FileStatus st : found == null ? new FileStatus[0] : found) {
                // as the disk resolves it: -i data -i link/a.jsonl, link a symbolic link to data, read a.jsonl twice
                Path real = new Path(DatasetWriter.realLocal(st.getPath().toString()));
                Match match = new Match(input, st.getPath());
                Match earlier = matchedBy.putIfAbsent(real, match);
                // the same file listed again by one glob ({d/a.jsonl,d/a.jsonl}) is read twice too (a folder listed twice
                // is read once)
                if (earlier != null && (!earlier.equals(match) || st.isFile())) {
                    throw readTwice(earlier.input().equals(input) ? real : st.getPath(), earlier, match);
                }
            }
        }
        if (inputs.size() > 1) {
            linkedFiles(matchedBy);
        }
        for (java.util.Map.Entry<Path, Match> m : matchedBy.entrySet()) {
            for (Path up = m.getKey().getParent(); up != null; up = up.getParent()) {
                Match outer = matchedBy.get(up);
                if (outer != null) {
                    throw readTwice(m.getValue().listed(), outer, m.getValue());
                }
            }
        }
    }

    /**
     * What {@code given} matches as the glob Hadoop's readers take every path for (none: an empty array), refused as a
     * usage error beginning {@code label} ("input data[1].jsonl") where a file or folder of its literal name is there that
     * the glob does not match: Hadoop reads {@code data[1].jsonl} as a pattern (only {@code data1.jsonl}), so the named
     * file was refused as "does not exist" while there, or, {@code data1.jsonl} there too, that other file was read in
     * silence. The error gives the name escaped with backslashes, which the readers then read as written. For every path a
     * Spark reader globs: the inputs, {@code --against}, a decontamination benchmark, a saved dedup index's folder.
     */
    public static FileStatus[] matches(FileSystem fs, String given, String label) throws IOException {
        Path p = new Path(given);
        FileStatus[] matches = globStatus(fs, p, label);
        matches = matches == null ? new FileStatus[0] : matches;
        // a match is named by its whole path: the glob's characters may be in a parent folder, whose match has the
        // path's own base name
        FileStatus named = literallyNamed(fs, p);
        if (named != null && java.util.Arrays.stream(matches).noneMatch(m -> m.getPath().equals(named.getPath()))) {
            String matched = matches.length == 0 ? "no file" : matches[0].getPath() + (matches.length > 1 ? " and "
                    + (matches.length - 1) + " more" : "");
            throw KindlingException.usage(label + " matches " + matched + " as a glob (Hadoop's readers take every "
                    + "path for one: [ ] { } * ? are patterns), though a " + (named.isDirectory() ? "folder" : "file")
                    + " of that name is there; escape them with a backslash: " + escapeGlob(given));
        }
        return matches;
    }

    /**
     * {@code path} with its glob characters escaped, so that a Spark reader, which globs every path, reads the file or
     * folder of that very name: a run's own output read back ({@code out[1]} was read as {@code out1}, another folder).
     */
    public static String escapeGlob(String path) {
        return path.replaceAll("([\\[\\]{}*?])", "\\\\$1");
    }

    /**
     * The file or folder {@code p} names as it is written, where its name holds glob characters (else null, nothing asked
     * of the file system).
     */
    private static FileStatus literallyNamed(FileSystem fs, Path p) {
        if (!p.toString().matches(".*[\\[\\]{}*?].*")) {
            return null;
        }
        try {
            return fs.getFileStatus(p);
        } catch (IOException | RuntimeException e) {
            return null; // not there (or not to be asked): the glob's matches stand
        }
    }

    /**
     * {@code fs.globStatus(p)}, a name with ':' in the listing refused after {@code label} ("input x"): Hadoop reads what
     * comes before the colon of a name it globs (an S3 key with an ISO time, {@code 2024-01-01T00:00:00.jsonl}) as a URI
     * scheme and threw "URISyntaxException: Relative path in absolute URI", exit 1, for the file itself and for any glob
     * over its folder.
     * Hadoop's readers glob every input the same way, so only the folder, read whole, reaches such a file (on S3; a local
     * disk's checksum file for it fails the same way).
     */
    static FileStatus[] globStatus(FileSystem fs, Path p, String label) throws IOException {
        try {
            return fs.globStatus(p);
        } catch (IllegalArgumentException e) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof java.net.URISyntaxException u) {
                    Path folder = p.getParent();
                    throw KindlingException.usage(label + ": Hadoop cannot glob or open a file whose name holds ':' ("
                            + u.getInput() + "; it reads the part before the colon as a URI scheme): rename the file, or on S3 read the folder that "
                            + "holds it" + (folder == null ? "" : " (" + folder + ")") + ", which is listed without a glob (a local "
                            + "disk's checksum files cannot take such a name either)");
                }
            }
            throw e;
        }
    }

    /**
     * Adds to {@code matchedBy} each file that a matched local folder reaches through a symbolic link, as the disk
     * resolves it: {@code -i sl -i a.jsonl}, {@code sl/soft.jsonl} a link to {@code a.jsonl}, read its rows twice. Only
     * links to files are followed here, as the readers list them; the walk skips what the readers skip ({@code _} and
     * {@code .} names).
     */
    private static void linkedFiles(java.util.Map<Path, Match> matchedBy) {
        for (Match m : new ArrayList<>(matchedBy.values())) {
            java.net.URI uri = m.listed().toUri();
            if (!"file".equals(uri.getScheme())) {
                continue;
            }
            java.nio.file.Path folder = LocalPaths.ofFileUri(uri);
            if (!java.nio.file.Files.isDirectory(folder, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (java.util.stream.Stream<java.nio.file.Path> walk = java.nio.file.Files.walk(folder)) {
                for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) walk::iterator) {
                    String name = f.getFileName().toString();
                    if (f.equals(folder) || name.startsWith("_") || name.startsWith(".")
                            || !java.nio.file.Files.isSymbolicLink(f) || !java.nio.file.Files.isRegularFile(f)) {
                        continue;
                    }
                    Path real = new Path(DatasetWriter.realLocal("file:" + f.toAbsolutePath()));
                    Match link = new Match(m.input(), new Path("file:" + f.toAbsolutePath()));
                    Match earlier = matchedBy.putIfAbsent(real, link);
                    if (earlier != null) {
                        throw readTwice(real, earlier, link);
                    }
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // a folder the readers cannot list either: they report it
            }
        }
    }

    /** Whether Hadoop reads {@code path} as a glob (its pattern characters; a backslash escapes one). */
    static boolean isGlob(String path) {
        for (int i = 0; i < path.length(); i++) {
            if ("*?[{\\".indexOf(path.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** A file or folder an input matched, as listed (before links are resolved). */
    private record Match(String input, Path listed) {}

    private static KindlingException readTwice(Path file, Match one, Match other) {
        String inputs = one.input().equals(other.input())
                ? "input " + one.input() + " matches " + one.listed() + " and " + other.listed() + ": both reach " + file
                : "inputs " + one.input() + " and " + other.input() + " both read " + file;
        return KindlingException.usage(inputs + "; every row there would be read twice: give each file once");
    }

    /**
     * Infers the format of an input: from its name, else (a directory or a glob) from the names of the data files in
     * it, which must agree. Fails with a usage error naming the path when the path does not exist or nothing can be
     * inferred.
     */
    public static DataFormat infer(String input, Configuration conf) {
        return infer(input, conf, null);
    }

    /**
     * Refuses a local input that is neither a file nor a folder: a pipe ({@code -i <(zstd -dc x.zst)}, a FIFO) or a device
     * has no length, and Spark, which splits a file by its length, read nothing from it ("holds no documents", exit 1).
     */
    private static void requireRegularFile(String input, FileStatus st) {
        if (!"file".equals(st.getPath().toUri().getScheme())) {
            return;
        }
        java.nio.file.Path local = LocalPaths.ofFileUri(st.getPath().toUri());
        if (!java.nio.file.Files.isRegularFile(local) && !java.nio.file.Files.isDirectory(local)) {
            throw KindlingException.usage("input " + input + " is not a regular file (a pipe, such as -i <(zstd -dc x.zst), or a "
                    + "device): Spark reads a file by its length, which it has not, so it would read nothing; write it to a "
                    + "file first");
        }
    }

    /** Whether Spark's readers pass over a file or folder of this name ({@code _SUCCESS}, {@code .part-0.crc}). */
    public static boolean isHidden(String name) {
        return name.startsWith("_") || name.startsWith(".");
    }

    /**
     * Refuses an input that names a hidden file, or a glob whose every match is hidden: Spark's readers pass over such
     * names wherever they are listed, so none of their rows would be read. A Parquet input {@code _part.parquet} given
     * beside another was left out in silence (the run read the other alone, exit 0); alone it failed as "Unable to infer
     * schema", and a JSON Lines or text one as "Input path does not exist". A folder named as the input is read whatever
     * its name, as what it holds.
     */
    private static void requireNotOnlyHidden(String input, FileStatus[] matches) {
        if (!isGlob(input)) {
            if (matches.length == 1 && matches[0].isFile() && isHidden(matches[0].getPath().getName())) {
                throw KindlingException.usage("input " + input + " is a hidden file (its name starts with '_' or '.', as _SUCCESS "
                        + "and .crc files): Spark's readers pass over such files, so none of its rows would be read; rename it "
                        + "without the leading '" + matches[0].getPath().getName().charAt(0) + "'");
            }
            return;
        }
        List<String> hidden = new ArrayList<>();
        for (FileStatus st : matches) {
            if (!isHidden(st.getPath().getName())) {
                return;
            }
            hidden.add(st.getPath().getName());
        }
        throw KindlingException.usage("input " + input + " matches only hidden names (" + String.join(", ", hidden.subList(0,
                Math.min(3, hidden.size()))) + (hidden.size() > 3 ? ", ..." : "") + "; starting with '_' or '.', as _SUCCESS and "
                + ".crc files): Spark's readers pass over them, so none of their rows would be read; rename them without the "
                + "leading character");
    }

    /**
     * The files Spark's readers read under a folder, recursively: not those with a {@code _} or {@code .} name at any
     * level below it ({@code _SUCCESS}, {@code .part-0.crc}, a {@code _temporary/} or {@code .hidden/} folder's files).
     * Every listing that must agree with what the readers see goes through here (format inference, the empty-file check,
     * a benchmark folder's format, and the line reader's own listing, {@link BoundedLineInputFormat#listStatus}): one had
     * checked the file's name alone and counted a {@code _tmp/} folder's files.
     */
    public static List<FileStatus> dataFiles(FileSystem fs, Path folder) throws IOException {
        // a walk of listStatus, not listFiles(folder, true): on a local disk each of listFiles' located statuses starts an
        // `ls` process for the file's permissions (about 35 ms a file: 5,000 small files were listed for 9 minutes with
        // nothing said), and a hidden folder is not walked into
        List<FileStatus> out = new ArrayList<>();
        java.util.ArrayDeque<FileStatus> pending = new java.util.ArrayDeque<>(java.util.Arrays.asList(fs.listStatus(folder)));
        while (!pending.isEmpty()) {
            FileStatus f = pending.pop();
            String name = f.getPath().getName();
            if (isHidden(name)) {
                continue;
            }
            if (f.isDirectory()) {
                FileStatus[] below = fs.listStatus(f.getPath());
                for (int i = below.length - 1; i >= 0; i--) {
                    pending.push(below[i]);
                }
            } else {
                out.add(f);
            }
        }
        return out;
    }

    /** {@link #infer(String, Configuration)}, or only the existence check when the format is {@code given}. */
    public static DataFormat infer(String input, Configuration conf, DataFormat given) {
        return infer(input, conf, given, "pass --input-format or read them separately",
                "pass --input-format jsonl|parquet|text-lines|text-files");
    }

    /**
     * {@link #infer(String, Configuration)} for an input that has no format option of its own (an earlier corpus), whose
     * messages end with what to do: {@code whenMixed} when its file names tell more than one format, {@code whenUnknown}
     * when they tell none (instead of --input-format, which applies to --input only).
     */
    public static DataFormat inferFromNames(String input, Configuration conf, String whenMixed, String whenUnknown) {
        return infer(input, conf, null, whenMixed, whenUnknown);
    }

    private static DataFormat infer(String input, Configuration conf, DataFormat given, String whenMixed, String whenUnknown) {
        DataFormat byName = given != null ? given : fromName(input);
        Path p = new Path(input);
        try {
            FileSystem fs = p.getFileSystem(conf);
            FileStatus[] matches = matches(fs, input, "input " + input);
            if (matches.length == 0) {
                throw KindlingException.usage("input " + input + " does not exist");
            }
            for (FileStatus st : matches) {
                requireRegularFile(input, st);
            }
            requireNotOnlyHidden(input, matches);
            if (byName != null) {
                return byName;
            }
            // every file is looked at, not the first the listing gives: one reader reads them all, so a folder of JSON
            // Lines and text files would have its JSON read as text documents (or its text as bad JSON) by chance
            java.util.Map<DataFormat, Path> found = new java.util.LinkedHashMap<>();
            boolean anyFile = false;
            for (FileStatus st : matches) {
                if (st.isFile()) {
                    anyFile = true;
                    DataFormat f = fromName(st.getPath().getName());
                    if (f != null) {
                        found.putIfAbsent(f, st.getPath());
                    }
                    continue;
                }
                for (FileStatus f : dataFiles(fs, st.getPath())) {
                    anyFile = true;
                    DataFormat df = fromName(f.getPath().getName());
                    if (df != null) {
                        found.putIfAbsent(df, f.getPath());
                    }
                }
            }
            if (found.size() > 1) {
                List<String> examples = new ArrayList<>();
                found.forEach((f, file) -> examples.add(file + " (" + f.name().toLowerCase(Locale.ROOT).replace('_', '-') + ")"));
                throw KindlingException.usage("input " + input + " mixes formats: " + String.join(", ", examples) + "; " + whenMixed);
            }
            if (found.size() == 1) {
                return found.keySet().iterator().next();
            }
            if (!anyFile) {
                // "cannot tell the format from its file names" of a folder that has none
                throw KindlingException.usage("input " + input + " has no files to read (hidden and _-prefixed ones, such as "
                        + "_SUCCESS, are not data)");
            }
        } catch (IOException e) {
            throw storeError(e, "input " + input + " does not exist: ", "cannot list input " + input + ": ", input, conf);
        }
        throw KindlingException.usage("cannot tell the format of " + input + " from its file names; " + whenUnknown);
    }

    /**
     * What to check when a store refused access (S3A turns a 403 into an AccessDeniedException): its message is the
     * SDK's "Forbidden ... Status Code: 403", which never says credentials. Empty for any other failure.
     */
    public static String accessAdvice(Throwable e) {
        for (Throwable t : causes(e)) {
            if (t instanceof java.nio.file.AccessDeniedException) {
                return " (access denied: check the credentials, fs.s3a.access.key and fs.s3a.secret.key or the AWS credential "
                        + "chain, and that they may use this bucket)";
            }
        }
        return "";
    }

    /**
     * What to say of {@code e}, a failure of the store {@code uri} is on, read with {@code conf}: for an S3 store that
     * cannot be reached at all (a wrong {@code fs.s3a.endpoint}, no store running there, a host that does not resolve)
     * first what to check, the endpoint setting in force for the bucket and its value, then the connection's own error
     * once, where S3A's message gave the SDK's text twice over and named no setting (the connection may also fail
     * slowly, see the README's "A wrong endpoint fails slowly"); otherwise {@code e}'s message, and for a refused access
     * which credentials to check ({@link #accessAdvice}).
     */
    public static String storeFailure(IOException e, String uri, Configuration conf) {
        Throwable refused = connectionFailure(e);
        String bucket = bucketOf(uri);
        if (refused == null || conf == null || bucket == null || !uri.regionMatches(true, 0, "s3a:", 0, 4)) {
            return e.getMessage() + accessAdvice(e);
        }
        // S3A's own per-bucket setting wins over the general one
        String key = "fs.s3a.bucket." + bucket + ".endpoint";
        String value = conf.getTrimmed(key, "");
        if (value.isEmpty()) {
            key = "fs.s3a.endpoint";
            value = conf.getTrimmed(key, "");
        }
        return "no S3 store answers at " + (value.isEmpty() ? "AWS's endpoint for the region (" + key + " is not set)"
                : key + " = " + value) + ": check that setting, that the store runs there, and that this machine reaches it ("
                + (refused instanceof java.net.UnknownHostException ? "unknown host " : "")
                + (refused.getMessage() != null ? refused.getMessage() : refused.getClass().getSimpleName()) + ")";
    }

    /**
     * The error for {@code e}, a failure of the store {@code uri} is on, met on the driver checking or reading it: a
     * bucket that does not exist is a usage error, {@code missing} and {@link #noBucket} (a path in it is missing, as one
     * under a missing prefix is, where S3A gave the SDK's NoSuchBucket message twice over, exit 1); any other failure is
     * exit 1, {@code failed} and {@link #storeFailure}. {@code missing} and {@code failed} are the caller's words for the
     * path ("input s3a://b/in does not exist: ", "cannot list input s3a://b/in: ").
     */
    public static KindlingException storeError(IOException e, String missing, String failed, String uri, Configuration conf) {
        if (isMissingBucket(e)) {
            return KindlingException.usage(missing + noBucket(bucketOf(uri)));
        }
        return new KindlingException(KindlingException.FAILURE, failed + storeFailure(e, uri, conf), e);
    }

    /** The bucket (the URI's host) of {@code uri} as Hadoop reads it, or null. */
    private static String bucketOf(String uri) {
        try {
            return uri == null ? null : new Path(uri).toUri().getHost();
        } catch (IllegalArgumentException notAPath) {
            return null; // said as the failure says it
        }
    }

    /**
     * The failure to connect at all in {@code e}'s causes (refused, no route, unknown host, connect timeout), or null: the
     * innermost, whose message is the connection's own ("Connection refused"), where the outer ones (S3A's, the SDK's)
     * repeat each other's text.
     */
    private static Throwable connectionFailure(Throwable e) {
        Throwable found = null;
        for (Throwable t : causes(e)) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                    || t instanceof java.net.NoRouteToHostException || t.getClass().getName().endsWith(".ConnectTimeoutException")) {
                found = t;
            }
        }
        return found;
    }

    /** Amazon S3's rule for a bucket's name, as the errors about one say it. */
    public static final String BUCKET_RULE = "an S3 bucket's name is 3 to 63 lowercase letters, digits, dots and hyphens, "
            + "beginning and ending with a letter or digit, without two dots in a row";
    private static final java.util.regex.Pattern BUCKET_NAME = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    /**
     * What is wrong with {@code uri}, an {@code s3a://} URI whose bucket is no host name ({@code s3a://my_bucket/x},
     * {@code s3a://b..c/x}: Java's URI then has no host, where S3A reads the bucket), else null: S3A failed with "bucket is
     * null/empty" (exit 1, for a stage or a SQL function a bare IllegalArgumentException), naming neither the option nor
     * the name's rule. The name is quoted without a port the URI gives ({@code s3a://my_bucket:9000/x}: 'my_bucket').
     */
    public static String unreadableBucket(String uri) {
        if (uri == null || !uri.regionMatches(true, 0, "s3a://", 0, 6)) {
            return null;
        }
        java.net.URI u;
        try {
            u = new Path(uri).toUri();
        } catch (IllegalArgumentException notAPath) {
            return null; // said as Hadoop's refusal of it
        }
        String authority = u.getAuthority();
        if (u.getHost() != null || authority == null || authority.contains("@")) {
            return null;
        }
        // the bucket alone (s3a://my_bucket:9000/x): S3A takes the URI's host and passes over a port
        authority = authority.replaceFirst(":[0-9]*$", "");
        if (isBucketName(authority)) { // s3a://logs.2024/x: S3 has it, but S3A takes a bucket from the URI's host
            return uri + ": '" + authority + "' is an S3 bucket name S3A cannot read: S3A takes the bucket from the URI's host"
                    + " name, which a name whose last dot-separated part begins with a digit, or one of whose parts begins or"
                    + " ends with a hyphen, is not";
        }
        return uri + ": '" + authority + "' is no S3 bucket name: " + BUCKET_RULE;
    }

    private static boolean isBucketName(String name) {
        return name != null && BUCKET_NAME.matcher(name).matches() && !name.contains("..");
    }

    /**
     * "there is no bucket {@code bucket}", with {@link #BUCKET_RULE} where the name breaks it ({@code s3a://Bucket/x}: S3A
     * reads it, and the store has no such bucket).
     */
    public static String noBucket(String bucket) {
        return "there is no bucket " + bucket + (isBucketName(bucket) ? "" : " (" + BUCKET_RULE + ")");
    }

    /**
     * Whether {@code e} is s3a's "no such bucket" ({@code UnknownStoreException}, named rather than caught so that this
     * class loads without hadoop-aws): a path in a bucket that does not exist is a missing path, a usage error as a
     * missing prefix is, not an I/O failure with the SDK's message twice over.
     */
    public static boolean isMissingBucket(Throwable e) {
        for (Throwable t : causes(e)) {
            if (t.getClass().getName().equals("org.apache.hadoop.fs.s3a.UnknownStoreException")) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code e} and its causes, each once: a chain of causes can loop (A caused by B caused by A: Throwable refuses only a
     * cause that is itself), and a walk to its end would then never return.
     */
    private static List<Throwable> causes(Throwable e) {
        List<Throwable> chain = new ArrayList<>();
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /** The file extension Kindling uses when it writes this format. */
    public String sparkSource() {
        return switch (this) {
            case JSONL -> "json";
            case PARQUET -> "parquet";
            case TEXT_LINES, TEXT_FILES -> "text";
        };
    }
}

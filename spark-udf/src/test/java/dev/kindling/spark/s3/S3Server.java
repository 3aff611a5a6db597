package dev.kindling.spark.s3;

import java.net.URI;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * A real S3-compatible server (s3proxy, in memory) on 127.0.0.1 with a random port, for tests that
 * go through the s3a:// connector end to end.
 */
public final class S3Server implements AutoCloseable {
    public static final String ACCESS_KEY = "test-access-key";
    public static final String SECRET_KEY = "test-secret-key";

    private final S3Proxy proxy;
    private final BlobStore store;

    private S3Server(S3Proxy proxy, BlobStore store) {
        this.proxy = proxy;
        this.store = store;
    }

    public static S3Server start(String... buckets) throws Exception {
        BlobStore store = BlobStores.create("transient-nio2", new Properties());
        for (String b : buckets) {
            store.createContainer(b);
        }
        S3Proxy proxy = S3Proxy.builder().blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
            }
            Thread.sleep(5);
        }
        return new S3Server(proxy, store);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    /** The Spark settings that point s3a:// at this server. */
    public java.util.Map<String, String> sparkConf() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("spark.hadoop.fs.s3a.endpoint", endpoint());
        m.put("spark.hadoop.fs.s3a.endpoint.region", "us-east-1");
        m.put("spark.hadoop.fs.s3a.path.style.access", "true");
        m.put("spark.hadoop.fs.s3a.connection.ssl.enabled", "false");
        m.put("spark.hadoop.fs.s3a.access.key", ACCESS_KEY);
        m.put("spark.hadoop.fs.s3a.secret.key", SECRET_KEY);
        m.put("spark.hadoop.fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        return m;
    }

    /**
     * Points the shared test session at this server: its Hadoop configuration gets the s3a settings
     * (with scratch directories under {@code tmp}) and the {@code spark.sql.*} defaults of
     * {@link dev.kindling.spark.session.SparkSessions} (the S3A committer) are set until {@link #close()},
     * which restores the session's previous values.
     */
    public void attach(org.apache.spark.sql.SparkSession spark, java.nio.file.Path tmp) {
        java.util.Map<String, String> conf = new java.util.HashMap<>(dev.kindling.spark.session.SparkSessions.defaults("local[2]"));
        conf.putAll(sparkConf());
        org.apache.hadoop.conf.Configuration hc = spark.sparkContext().hadoopConfiguration();
        hc.set("hadoop.tmp.dir", tmp.resolve("hadoop").toString());
        hc.set("fs.s3a.buffer.dir", tmp.resolve("s3a").toString());
        for (java.util.Map.Entry<String, String> e : conf.entrySet()) {
            if (e.getKey().startsWith("spark.hadoop.")) {
                hc.set(e.getKey().substring("spark.hadoop.".length()), e.getValue());
            } else if (e.getKey().startsWith("spark.sql.")) {
                saved.put(e.getKey(), spark.conf().get(e.getKey(), null));
                spark.conf().set(e.getKey(), e.getValue());
            }
        }
        attached = spark;
    }

    private final java.util.Map<String, String> saved = new java.util.HashMap<>();
    private org.apache.spark.sql.SparkSession attached;

    @Override
    public void close() throws Exception {
        if (attached != null) {
            saved.forEach((k, v) -> {
                if (v == null) {
                    attached.conf().unset(k);
                } else {
                    attached.conf().set(k, v);
                }
            });
            org.apache.hadoop.fs.FileSystem.closeAll();
        }
        proxy.stop();
    }
}

package dev.kindling.spark.io;

import java.net.URI;
import org.apache.hadoop.fs.RawLocalFileSystem;

/** The local file system under a scheme of its own ({@code fs.SCHEME.impl}), for a test to change what one call does. */
public abstract class SchemedLocalFileSystem extends RawLocalFileSystem {
    private final String scheme;

    protected SchemedLocalFileSystem(String scheme) {
        this.scheme = scheme;
    }

    @Override
    public URI getUri() {
        return URI.create(scheme + ":///");
    }

    @Override
    public String getScheme() {
        return scheme;
    }
}

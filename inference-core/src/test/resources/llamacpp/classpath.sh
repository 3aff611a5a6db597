# Sourced by the regenerate-*.sh scripts here, with ROOT set to the checkout: compiles the engine, model formats and
# tokenizer classes with their tests and sets CP to them and the jars Maven resolves for inference-core's tests, so the
# versions are the root pom's (copies of them here were left behind by a version bump: a ~/.m2 glob for Jackson 2.21*
# took 2.21.0 while the build used 2.21.2).
(cd "$ROOT" && mvn -B -q -o -pl inference-core -am test-compile dependency:build-classpath -Dkindling.ptx.skip=true \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath) >&2
CP="$ROOT/inference-core/target/test-classes:$ROOT/inference-core/target/classes:$(cat "$ROOT/inference-core/target/test.classpath")"

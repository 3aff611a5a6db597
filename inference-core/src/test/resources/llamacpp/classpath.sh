# Sourced by the regenerate-*.sh scripts here, with ROOT set to the checkout: CP = the compiled engine, model formats
# and tokenizer classes (mvn -B -q -o -pl inference-core -am test-compile) and the jars they need from ~/.m2.
M2=$HOME/.m2/repository
CP="$ROOT/inference-core/target/test-classes:$ROOT/inference-core/target/classes:$ROOT/model-formats/target/classes:$ROOT/model-formats/target/test-classes:$ROOT/tokenizer/target/classes"
CP="$CP:$(ls $M2/org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar)"
for j in jackson-databind jackson-core jackson-annotations; do
  CP="$CP:$(ls $M2/com/fasterxml/jackson/core/$j/2.21*/$j-2.21*.jar | head -1)"
done

package dev.pybudget.bench;

/** Does nothing: {@code java -cp ... dev.pybudget.bench.JvmStart} times a JVM's start and exit alone, for the table's reasons. */
public final class JvmStart {
    private JvmStart() {}

    public static void main(String[] args) {
        // nothing
    }
}

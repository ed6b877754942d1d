package dev.pybudget.engine;

/**
 * The engine could not trace: its message is one sentence for a person, saying what is
 * wrong and what to do. When it is thrown, nothing is left attached or running.
 */
public class TraceException extends RuntimeException {

    public TraceException(String sentence) {
        super(sentence);
    }

    public TraceException(String sentence, Throwable cause) {
        super(sentence, cause);
    }
}

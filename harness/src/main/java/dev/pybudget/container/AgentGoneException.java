package dev.pybudget.container;

/** The agent in the container died, or the container was stopped, while the test was recording. */
public final class AgentGoneException extends RuntimeException {

    AgentGoneException(String sentence) {
        super(sentence);
    }

    AgentGoneException(String sentence, Throwable cause) {
        super(sentence, cause);
    }
}

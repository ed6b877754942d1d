package dev.pybudget.recording;

import java.util.List;
import java.util.function.Consumer;

/**
 * One import__find__load__start/done pair, with the imports it caused nested inside,
 * as {@code -X importtime} shows them. Times are relative to the recording's start.
 * {@code durationNanos} is cumulative; {@link #selfNanos()} leaves out the children.
 * An import still running when the recording ended has {@code found == false} and
 * lasts until the end.
 */
public record ImportNode(String module, boolean found, long startNanos, long durationNanos, long thread,
                         List<ImportNode> children) {

    public ImportNode {
        children = List.copyOf(children);
    }

    public long selfNanos() {
        return durationNanos - children.stream().mapToLong(ImportNode::durationNanos).sum();
    }

    /** This node and every descendant, depth first. */
    public void forEach(Consumer<ImportNode> action) {
        action.accept(this);
        children.forEach(child -> child.forEach(action));
    }
}

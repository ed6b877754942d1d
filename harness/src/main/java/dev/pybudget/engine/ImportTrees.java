package dev.pybudget.engine;

import dev.pybudget.recording.ImportNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the import tree from the streamed import__find__load__start/done pairs: on each
 * thread, an import that starts while another is running is its child, as in -X importtime.
 */
final class ImportTrees {

    private static final class Node {
        final StreamEvent start;
        final Node parent;
        final List<Node> children = new ArrayList<>();
        long endNanos = -1;
        boolean found;

        Node(StreamEvent start, Node parent) {
            this.start = start;
            this.parent = parent;
        }
    }

    private final List<Node> roots = new ArrayList<>();
    private final long originNanos;
    private final long nowNanos;

    /**
     * @param originNanos the recording's start (CLOCK_MONOTONIC), times are reported from it
     * @param nowNanos    when the recording was read: imports still running end here
     */
    ImportTrees(List<StreamEvent> events, long originNanos, long nowNanos) {
        this.originNanos = originNanos;
        this.nowNanos = nowNanos;
        Map<Long, Deque<Node>> running = new HashMap<>();
        for (StreamEvent e : events) {
            if (e.kind() == Layout.EV_IMPORT_START) {
                Deque<Node> stack = running.computeIfAbsent(e.tid(), t -> new ArrayDeque<>());
                Node node = new Node(e, stack.peek());
                (node.parent == null ? roots : node.parent.children).add(node);
                stack.push(node);
            } else if (e.kind() == Layout.EV_IMPORT_DONE) {
                finish(running.get(e.tid()), e);
            }
        }
    }

    /** Closes the innermost running import of that name; ones above it whose done was lost end with it, not found. */
    private static void finish(Deque<Node> stack, StreamEvent done) {
        if (stack == null || stack.stream().noneMatch(n -> n.start.name().equals(done.name()))) {
            return; // its start was lost: counted in lostEvents
        }
        while (true) {
            Node node = stack.pop();
            node.endNanos = done.tsNanos();
            if (node.start.name().equals(done.name())) {
                node.found = done.value() != 0;
                return;
            }
        }
    }

    /** The whole tree. */
    List<ImportNode> all() {
        List<ImportNode> out = new ArrayList<>();
        roots.forEach(root -> out.add(convert(root)));
        return out;
    }

    /** The imports that started inside one of these scope slots, each with its whole subtree. */
    List<ImportNode> in(Set<Integer> slots) {
        List<ImportNode> out = new ArrayList<>();
        roots.forEach(root -> collect(root, slots, out));
        return out;
    }

    private void collect(Node node, Set<Integer> slots, List<ImportNode> out) {
        if (node.start.inAny(slots)) {
            out.add(convert(node));
            return;
        }
        node.children.forEach(child -> collect(child, slots, out));
    }

    private ImportNode convert(Node node) {
        List<ImportNode> children = new ArrayList<>(node.children.size());
        node.children.forEach(child -> children.add(convert(child)));
        long end = node.endNanos < 0 ? nowNanos : node.endNanos;
        return new ImportNode(node.start.name(), node.found, node.start.tsNanos() - originNanos,
                end - node.start.tsNanos(), node.start.tid(), children);
    }
}

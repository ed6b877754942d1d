package dev.pybudget.assertions;

import dev.pybudget.recording.Recording;
import dev.pybudget.recording.Sections;
import dev.pybudget.recording.Window;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A recording and the part of it a budget looks at: the whole run, or one window. Budgets need
 * the whole recording even for a window, because what decides whether a count can be trusted
 * (lost events, lost counts, missing probes, the CPython version) belongs to the recording.
 *
 * @param window the window's name; empty for the whole run
 */
public record RecordingScope(Recording recording, Optional<String> window) {

    public RecordingScope {
        Objects.requireNonNull(recording, "recording");
        Objects.requireNonNull(window, "window");
    }

    public static RecordingScope whole(Recording recording) {
        return new RecordingScope(recording, Optional.empty());
    }

    /** The window {@code name}, whether or not the recording has it: see {@link #exists()}. */
    public static RecordingScope window(Recording recording, String name) {
        return new RecordingScope(recording, Optional.of(requireWindowName(name)));
    }

    static String requireWindowName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("A window name must not be null or empty.");
        }
        return name;
    }

    /** False for a window the recording does not have. */
    public boolean exists() {
        return window.isEmpty() || recording.window(window.get()).isPresent();
    }

    /** What happened in this scope; nothing at all for a window that does not exist. */
    public Sections sections() {
        return window.map(name -> recording.window(name).map(Window::sections).orElseThrow(() ->
                new IllegalStateException("The recording has no window '" + name + "'."))).orElse(recording.whole());
    }

    /** " in window 'request'", or nothing for the whole run: the tail of "Expected no imports...". */
    public String where() {
        return window.map(name -> " in window '" + name + "'").orElse("");
    }

    /** "window 'request'" or "the whole run": a name for the scope on its own. */
    public String name() {
        return window.map(name -> "window '" + name + "'").orElse("the whole run");
    }

    public List<String> windowNames() {
        return recording.windows().stream().map(Window::name).toList();
    }

    /**
     * Window marks that could not be followed and touch this window. Most losses are counted for
     * the whole process, not per window, so any of them puts every window's counts in doubt: a begin
     * not followed leaves a window short, an end not followed leaves it open too long. An end whose
     * window is not open on its thread (one on another thread, or a second end) is counted in its
     * own window ({@link Window#unfollowedEnds()}): that window stayed open where it was opened, so
     * only its counts are in doubt; an end of a name that has no window touches none.
     */
    public long windowMarksNotFollowed() {
        if (window.isEmpty()) {
            return 0;
        }
        return recording.losses().windowMarksNotFollowed() + unfollowedEnds();
    }

    /** End marks of this window that closed nothing: they ran on a thread where it was not open. */
    public long unfollowedEnds() {
        return window.flatMap(recording::window).map(Window::unfollowedEnds).orElse(0L);
    }
}

package dev.pybudget.recording;

/** Calls of one function (function__return hits), keyed as the interpreter names it: co_filename and co_name. */
public record CallCount(String file, String function, long count) {

    public String qualifiedName() {
        return file + ":" + function;
    }
}

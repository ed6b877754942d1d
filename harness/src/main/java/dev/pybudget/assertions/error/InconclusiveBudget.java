package dev.pybudget.assertions.error;

import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** A budget that cannot be decided from this recording, and why: "Expected ..., but N events were lost ..., so ...". */
public class InconclusiveBudget extends BasicErrorMessageFactory {

    /**
     * @param budget what was asked, with its scope ("no imports in window 'request'")
     * @param reason why it cannot be told, ending in what that means ("..., so the import tree is incomplete")
     */
    public static ErrorMessageFactory inconclusive(String budget, String reason) {
        return new InconclusiveBudget("Expected %s, but %s.", unquotedString(budget), unquotedString(reason));
    }

    private InconclusiveBudget(String format, Object... arguments) {
        super(format, arguments);
    }
}

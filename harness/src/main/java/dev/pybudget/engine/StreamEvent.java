package dev.pybudget.engine;

/** One record from the ring buffer (struct event), decoded. */
record StreamEvent(int kind, long tsNanos, long tid, int value, int[] scopes, String name) {

    static StreamEvent decode(byte[] b) {
        int n = Math.min(Layout.u32(b, Layout.EVENT_NSCOPES), Layout.MAX_SCOPES);
        int[] scopes = new int[n];
        for (int i = 0; i < n; i++) {
            scopes[i] = Layout.u32(b, Layout.EVENT_SCOPES + 4 * i);
        }
        int kind = Layout.u32(b, Layout.EVENT_KIND);
        int capacity = kind == Layout.EV_IMPORT_START || kind == Layout.EV_IMPORT_DONE ? Layout.NAME_LEN
                : kind == Layout.EV_AUDIT ? Layout.AUDIT_NAME_LEN : Layout.WINDOW_NAME_LEN;
        return new StreamEvent(kind, Layout.u64(b, Layout.EVENT_TS), Integer.toUnsignedLong(Layout.u32(b, Layout.EVENT_TID)),
                Layout.u32(b, Layout.EVENT_VALUE), scopes, Layout.cString(b, Layout.EVENT_NAME, capacity));
    }

    boolean inAny(java.util.Set<Integer> slots) {
        for (int s : scopes) {
            if (slots.contains(s)) {
                return true;
            }
        }
        return false;
    }
}

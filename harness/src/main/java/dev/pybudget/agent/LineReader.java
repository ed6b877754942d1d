package dev.pybudget.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the lines of {@link AgentProtocol}'s channel with two guarantees {@link java.io.BufferedReader}
 * does not give: a line longer than a limit is never held in memory (its bytes are skipped up to
 * the next newline, and the caller is told), and a read that times out (a socket's SO_TIMEOUT)
 * loses nothing: the part of the line read so far is kept for the next call.
 */
public final class LineReader {

    /** What {@link #readLine()} returns for a line that was longer than the limit. */
    public static final String TOO_LONG = new String("(line too long)");

    private final InputStream in;
    private final int maxBytes;
    private final byte[] buffer = new byte[8192];
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private int pos;
    private int len;
    private boolean overflow;

    public LineReader(InputStream in, int maxBytes) {
        this.in = in;
        this.maxBytes = maxBytes;
    }

    /**
     * The next line, without its newline, decoded as UTF-8 (bytes that are not UTF-8 become U+FFFD);
     * {@link #TOO_LONG} (compare with ==) for a line over the limit; null at end of stream.
     *
     * @throws SocketTimeoutException when the socket's timeout passes first; call again to go on
     */
    public String readLine() throws IOException {
        while (true) {
            if (pos == len) {
                int n = in.read(buffer, 0, buffer.length); // a timeout here keeps line, pos and len as they are
                if (n < 0) {
                    boolean partial = line.size() > 0 || overflow;
                    String last = overflow ? TOO_LONG : line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    overflow = false;
                    return partial ? last : null;
                }
                pos = 0;
                len = n;
            }
            int start = pos;
            while (pos < len && buffer[pos] != '\n') {
                pos++;
            }
            if (!overflow) {
                if (line.size() + (pos - start) > maxBytes) {
                    overflow = true;
                    line.reset();
                } else {
                    line.write(buffer, start, pos - start);
                }
            }
            if (pos < len) { // at the newline
                pos++;
                String result = overflow ? TOO_LONG : line.toString(StandardCharsets.UTF_8);
                line.reset();
                overflow = false;
                return result;
            }
        }
    }
}

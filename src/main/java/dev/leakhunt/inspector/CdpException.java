package dev.leakhunt.inspector;

import java.io.IOException;

/** The target answered a protocol command with an error ({@code {"id":…,"error":{"code":…,"message":…}}}). */
public final class CdpException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long code;

    CdpException(String message, long code) {
        super(message);
        this.code = code;
    }

    /** The protocol's error code, e.g. {@code -32601} for an unknown method. */
    public long code() {
        return code;
    }
}

package dev.leakhunt.inspector;

import java.nio.ByteOrder;

/**
 * One LISTEN row (state {@code 0A}) of {@code /proc/<pid>/net/tcp} or {@code tcp6}.
 *
 * @param address the local address as text: {@code 127.0.0.1}, {@code 0.0.0.0}, {@code ::1}, {@code ::}
 * @param inode   the socket's inode, as in the {@code socket:[N]} links of {@code /proc/<pid>/fd}
 */
record ListeningSocket(String address, int port, long inode) {
    private static final String LISTEN = "0A";

    /** True for {@code 0.0.0.0} and {@code ::}, which accept connections on every address. */
    boolean isWildcard() {
        return address.equals("0.0.0.0") || address.equals("::");
    }

    /** The address to connect to: loopback for a wildcard, the IPv4 address itself for a mapped one. */
    String connectHost() {
        if (address.equals("0.0.0.0")) {
            return "127.0.0.1";
        }
        if (address.equals("::")) {
            return "::1";
        }
        return address.startsWith("::ffff:") && address.indexOf('.') > 0 ? address.substring(7) : address;
    }

    /**
     * Parses one row of {@code /proc/net/tcp[6]}, e.g.
     * {@code "1: 0100007F:240D 00000000:0000 0A 00000000:00000000 00:00000000 00000000 1000 0 4304 1 …"};
     * returns null for the header, rows in other states, and anything unparsable.
     */
    static ListeningSocket parseRow(String row) {
        String[] fields = row.trim().split("\\s+");
        if (fields.length < 10 || !fields[3].equals(LISTEN)) {
            return null;
        }
        int colon = fields[1].indexOf(':');
        if (colon < 0) {
            return null;
        }
        try {
            String address = decodeAddress(fields[1].substring(0, colon));
            int port = Integer.parseInt(fields[1].substring(colon + 1), 16);
            long inode = Long.parseLong(fields[9]);
            return address == null ? null : new ListeningSocket(address, port, inode);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The kernel prints an address as 32-bit words in hex, each in host byte order: {@code 0100007F} is
     * 127.0.0.1 on a little-endian machine. IPv6 addresses are four such words.
     */
    static String decodeAddress(String hex) {
        if (hex.length() != 8 && hex.length() != 32) {
            return null;
        }
        byte[] bytes = new byte[hex.length() / 2];
        boolean littleEndian = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (int word = 0; word < bytes.length / 4; word++) {
            long value = Long.parseLong(hex.substring(word * 8, word * 8 + 8), 16);
            for (int b = 0; b < 4; b++) {
                int shift = littleEndian ? 8 * b : 8 * (3 - b);
                bytes[word * 4 + b] = (byte) (value >>> shift);
            }
        }
        return bytes.length == 4 ? ipv4(bytes, 0) : ipv6(bytes);
    }

    private static String ipv4(byte[] bytes, int from) {
        return (bytes[from] & 0xff) + "." + (bytes[from + 1] & 0xff) + "." + (bytes[from + 2] & 0xff) + "."
                + (bytes[from + 3] & 0xff);
    }

    /** RFC 5952 text: the longest run of two or more zero groups shortened to {@code ::}. */
    private static String ipv6(byte[] bytes) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (bytes[2 * i] & 0xff) << 8 | bytes[2 * i + 1] & 0xff;
        }
        if (groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0
                && groups[5] == 0xffff) {
            return "::ffff:" + ipv4(bytes, 12);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}

package dev.leakhunt.analysis;

import java.util.Locale;

/** Sizes in binary units for people: {@code 11.0 MiB}. */
public final class Units {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private Units() {
    }

    public static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        int unit = 0;
        while (v >= 1024 && unit < UNITS.length - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, UNITS[unit]);
    }

    /** A rate in binary units per hour, signed: {@code +140.0 MiB/h}, {@code -512 B/h}, {@code 0 B/h}. */
    public static String rate(double bytesPerHour) {
        long magnitude = Math.round(Math.abs(bytesPerHour));
        String sign = magnitude == 0 ? "" : bytesPerHour < 0 ? "-" : "+";
        return sign + bytes(magnitude) + "/h";
    }

    /** {@code 1,234,567} */
    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}

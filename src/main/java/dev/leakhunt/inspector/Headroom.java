package dev.leakhunt.inspector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a heap snapshot fits beside a process: V8 builds the whole snapshot in the target's memory before a byte
 * of it is written, and it may need about as much again as the JS heap in use. In a cgroup near its limit (a
 * container) that gets the service OOM-killed by the capture meant to help it. The headroom is the least of its
 * cgroup's (and each ancestor's) limit less its usage, v1 or v2, and the machine's {@code MemAvailable}.
 *
 * @param limitBytes   the tightest cgroup limit above the process, or -1 when none
 * @param usageBytes   that cgroup's usage, or -1
 * @param headroomBytes what the process may still take, or -1 when nothing says
 * @param bound        what bounds it: {@code its cgroup}, {@code the machine}, or null
 */
public record Headroom(long limitBytes, long usageBytes, long headroomBytes, String bound) {
    /** A v1 limit of this much or more means none (the kernel's "unlimited" is about 2^63 rounded to pages). */
    private static final long V1_UNLIMITED = 1L << 60;

    public static Headroom of(long pid) {
        return of(ProcFs.SYSTEM, Path.of("/proc/meminfo"), pid);
    }

    static Headroom of(ProcFs proc, Path meminfo, long pid) {
        long limit = -1;
        long usage = -1;
        long headroom = Long.MAX_VALUE;
        String bound = null;
        Path v2 = proc.cgroupDir(pid, null);
        Path v1 = proc.cgroupDir(pid, "memory");
        // the cgroup's own files, then its ancestors' up to the hierarchy's root: a parent's limit binds too
        for (Path d = v2 != null && Files.isRegularFile(v2.resolve("memory.max")) ? v2 : v1; d != null;
             d = d.getParent()) {
            boolean isV2 = Files.isRegularFile(d.resolve("memory.max"));
            long l = number(d.resolve(isV2 ? "memory.max" : "memory.limit_in_bytes"));
            long u = number(d.resolve(isV2 ? "memory.current" : "memory.usage_in_bytes"));
            if (l < 0 && u < 0 && !Files.isRegularFile(d.resolve("cgroup.procs"))) {
                break; // above the hierarchy
            }
            if (l >= 0 && l < V1_UNLIMITED && u >= 0 && l - u < headroom) {
                headroom = Math.max(0, l - u);
                limit = l;
                usage = u;
                bound = "its cgroup";
            }
        }
        long available = memAvailable(meminfo);
        if (available >= 0 && available < headroom) {
            headroom = available;
            bound = "the machine";
        }
        return new Headroom(limit, usage, headroom == Long.MAX_VALUE ? -1 : headroom, bound);
    }

    /** A whole number in a file ({@code max} and unreadable files are -1). */
    private static long number(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            return text.equals("max") ? -1 : Long.parseLong(text);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    private static long memAvailable(Path meminfo) {
        try {
            for (String line : Files.readAllLines(meminfo, StandardCharsets.US_ASCII)) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    /**
     * Refuses a snapshot that needs more than the headroom: the JS heap in use, which V8 may need about again.
     *
     * @throws IOException with the figures, when it does not fit
     */
    public void check(long pid, long heapUsedBytes) throws IOException {
        if (headroomBytes >= 0 && heapUsedBytes > headroomBytes) {
            String where = bound.equals("its cgroup") ? "its cgroup has " + Text.bytes(headroomBytes) + " left (limit "
                    + Text.bytes(limitBytes) + ", in use " + Text.bytes(usageBytes) + ")"
                    : "the machine has " + Text.bytes(headroomBytes) + " available";
            throw new IOException("a heap snapshot of pid " + pid + " may need about " + Text.bytes(heapUsedBytes)
                    + " more memory (as much as its JS heap in use), and " + where + ": the capture could get it "
                    + "OOM-killed; --force takes it anyway");
        }
    }

    /** {@code 1.3 GiB of a 2.0 GiB cgroup limit} for the triage, or null without a limit. */
    public String ofLimit(long rssBytes) {
        return limitBytes < 0 ? null : "rss " + Text.bytes(rssBytes) + " of a " + Text.bytes(limitBytes) + " cgroup limit";
    }
}

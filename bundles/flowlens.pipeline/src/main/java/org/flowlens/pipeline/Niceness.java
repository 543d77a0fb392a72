package org.flowlens.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Linux scheduling priority (nice value) of single threads. Java has no API for it, so the thread
 * finds its kernel id in {@code /proc/thread-self} and {@code renice} (util-linux; {@code --priority}
 * sets the value itself in every version, where newer ones read {@code -n} as an increment) sets
 * it. Raising the nice value needs no privilege; lowering it needs CAP_SYS_NICE or an RLIMIT_NICE
 * that allows it. Elsewhere, or without renice, nothing changes.
 */
final class Niceness {
    private static final Path THREAD_SELF = Path.of("/proc/thread-self");

    private Niceness() {}

    /** The kernel id of the calling thread, or -1 where /proc/thread-self does not exist. */
    static long currentThreadId() {
        try {
            String link = Files.readSymbolicLink(THREAD_SELF).toString(); // "<pid>/task/<tid>"
            return Long.parseLong(link.substring(link.lastIndexOf('/') + 1));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Sets the nice value of thread {@code tid}; true when renice succeeded. */
    static boolean set(long tid, int nice) {
        if (tid <= 0) {
            return false;
        }
        try {
            Process p = new ProcessBuilder("renice", "--priority", Integer.toString(nice), "-p", Long.toString(tid)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The nice value of thread {@code tid} (field 19 of its stat file), or null when unknown. */
    static Integer get(long tid) {
        try {
            String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(f[16]); // fields counted from the state, the third
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}

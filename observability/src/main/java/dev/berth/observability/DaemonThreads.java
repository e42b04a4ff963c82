package dev.berth.observability;

import java.util.concurrent.ThreadFactory;

/** The API's and hostd's background threads: named for thread dumps, daemons so that none holds the JVM open at shutdown. */
public final class DaemonThreads {
    private DaemonThreads() {
    }

    /** Threads called {@code name}. */
    public static ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}

package org.smartbff.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Small helpers for tests that drive real processes. */
final class Processes {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private Processes() {
    }

    /** The java binary of this JVM, so every process runs the same JDK. */
    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Polls a condition of another process (a port answering, a counter reaching a value) until it holds. Polling is
     * the only way to observe a process we do not control; nothing here waits for a fixed time.
     */
    static void await(Duration timeout, Callable<Boolean> condition, String failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(failure, e);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(failure + " (within " + timeout + ")");
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}

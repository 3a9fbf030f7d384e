package org.smartbff.observe;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtHandler;

/**
 * Holds back the flush after every record in the log handlers one logger's records reach, for the span of a batch,
 * and flushes them once at its end.
 *
 * <p>
 * Why: a handler that flushes after each record makes one {@code write} system call per audit line (the console's
 * writer is buffered, then flushed), about 3 % of the CPU of a proxied call in an async-profiler profile. The audit
 * writer thread writes lines in batches anyway, so one flush per batch loses nothing: a line is out at the end of
 * its batch, milliseconds later. The handlers stay the operator's (console or JSON, file, syslog); only when they flush
 * changes. Records other threads log meanwhile through the same handlers go out with the batch: the handler's own lock
 * keeps every line whole and in order, and the flush at the end covers them too.
 *
 * <p>
 * One batch at a time (the audit writer thread): not for concurrent use.
 */
final class BatchFlushes {

    private final Logger logger;
    private final List<ExtHandler> held = new ArrayList<>();

    BatchFlushes(Logger logger) {
        this.logger = logger;
    }

    /** Turns off the flush after each record in every handler the logger's records reach that has it on. */
    void hold() {
        // Looked up per batch, not once: Quarkus installs and replaces handlers while it starts.
        for (Logger at = logger; at != null; at = at.getUseParentHandlers() ? at.getParent() : null) {
            for (Handler handler : at.getHandlers()) {
                hold(handler);
            }
        }
    }

    /** Turns the flush after each record back on where {@link #hold()} turned it off, which flushes each of them. */
    void release() {
        // The handlers' flush reports its own failures to their error manager; it does not throw.
        for (ExtHandler handler : held) {
            handler.setAutoFlush(true);
        }
        held.clear();
    }

    private void hold(Handler handler) {
        if (!(handler instanceof ExtHandler ext)) {
            return;
        }
        if (ext.isAutoFlush()) {
            ext.setAutoFlush(false);
            held.add(ext);
        }
        // Handlers that pass records on (Quarkus' delayed root handler, an async handler) hold the ones that write.
        for (Handler nested : ext.getHandlers()) {
            hold(nested);
        }
    }
}

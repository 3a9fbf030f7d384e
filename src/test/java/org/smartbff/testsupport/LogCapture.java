package org.smartbff.testsupport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.smartbff.observe.Audit;

import io.quarkus.arc.Arc;
import io.quarkus.arc.ArcContainer;

/**
 * Captures every log record (all categories, all levels) while it is installed, with its message formatted. Audit
 * events are written by a thread of their own: {@link #lines()} first has the running application's audit trail write
 * everything recorded so far, so a test sees the events of the calls it has made.
 */
public final class LogCapture extends Handler implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Logger root = Logger.getLogger("");
    private final Level previousLevel;

    private LogCapture() {
        setLevel(Level.ALL);
        previousLevel = root.getLevel();
        root.addHandler(this);
    }

    public static LogCapture install() {
        return new LogCapture();
    }

    @Override
    public void publish(LogRecord record) {
        String message = record.getMessage();
        Object[] parameters = record.getParameters();
        if (parameters != null && message != null) {
            StringBuilder all = new StringBuilder(message);
            for (Object parameter : parameters) {
                all.append(' ').append(parameter);
            }
            message = all.toString();
        }
        Throwable thrown = record.getThrown();
        lines.add(record.getLoggerName() + " " + message + (thrown != null ? " " + thrown : ""));
    }

    public List<String> lines() {
        ArcContainer container = Arc.container();
        if (container != null && container.isRunning()) {
            container.instance(Audit.class).get().flush();
        }
        return List.copyOf(lines);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.removeHandler(this);
        root.setLevel(previousLevel);
    }
}

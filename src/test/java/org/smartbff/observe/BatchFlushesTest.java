package org.smartbff.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.Logger;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.OutputStreamHandler;
import org.junit.jupiter.api.Test;

/** One flush per audit batch: lines held in the handlers' buffers until the batch ends, whole and in order. */
class BatchFlushesTest {

    /** An output that counts its flushes and says what has been flushed to it. */
    private static final class Output extends ByteArrayOutputStream {
        int flushes;
        String flushed = "";

        @Override
        public synchronized void flush() {
            flushes++;
            flushed = toString(StandardCharsets.UTF_8);
        }
    }

    private final LogContext context = LogContext.create();
    private final Logger audit = context.getLogger("smart-bff.audit");
    private final Logger service = context.getLogger("org.smartbff.service");

    private static OutputStreamHandler handler(Output output) {
        OutputStreamHandler handler = new OutputStreamHandler(new PatternFormatter("%c %s%n"));
        handler.setOutputStream(output);
        handler.setAutoFlush(true);
        return handler;
    }

    @Test
    void a_batch_is_flushed_once_at_its_end_with_every_line_whole_and_in_order() {
        Output output = new Output();
        context.getLogger("").addHandler(handler(output));
        int before = output.flushes;
        BatchFlushes flushes = new BatchFlushes(audit);

        flushes.hold();
        for (int i = 0; i < 20; i++) {
            audit.info("line " + i);
        }
        assertEquals(before, output.flushes, "nothing flushed while the batch is written");
        flushes.release();

        assertEquals(before + 1, output.flushes, "one flush for the batch");
        List<String> lines = output.flushed.lines().toList();
        assertEquals(20, lines.size());
        for (int i = 0; i < 20; i++) {
            assertEquals("smart-bff.audit line " + i, lines.get(i));
        }
        audit.info("after the batch");
        assertTrue(output.flushed.endsWith("smart-bff.audit after the batch" + System.lineSeparator()),
                "outside a batch, each record is flushed as before");
    }

    @Test
    void another_threads_record_during_a_batch_goes_out_whole_with_it() throws Exception {
        Output output = new Output();
        context.getLogger("").addHandler(handler(output));
        BatchFlushes flushes = new BatchFlushes(audit);

        flushes.hold();
        audit.info("first");
        CompletableFuture.runAsync(() -> service.warning("a service warning")).get(10, TimeUnit.SECONDS);
        audit.info("second");
        assertFalse(output.flushed.contains("a service warning"), "held with the batch");
        flushes.release();

        assertEquals(List.of("smart-bff.audit first", "org.smartbff.service a service warning", "smart-bff.audit second"),
                output.flushed.lines().toList());
    }

    @Test
    void handlers_behind_a_passing_handler_are_held_and_handlers_that_never_flushed_stay_so() {
        Output written = new Output();
        OutputStreamHandler writing = handler(written);
        ExtHandler passing = new ExtHandler() {
            @Override
            protected void doPublish(ExtLogRecord record) {
                for (var nested : getHandlers()) {
                    nested.publish(record);
                }
                super.doPublish(record);
            }
        };
        passing.addHandler(writing);
        Output quiet = new Output();
        OutputStreamHandler noAutoFlush = handler(quiet);
        noAutoFlush.setAutoFlush(false);
        context.getLogger("").addHandler(passing);
        context.getLogger("").addHandler(noAutoFlush);
        BatchFlushes flushes = new BatchFlushes(audit);

        flushes.hold();
        audit.log(Level.INFO, "held");
        assertEquals("", written.flushed, "the handler behind the passing one holds the line too");
        flushes.release();

        assertEquals("smart-bff.audit held" + System.lineSeparator(), written.flushed);
        assertTrue(writing.isAutoFlush() && passing.isAutoFlush(), "given back");
        assertFalse(noAutoFlush.isAutoFlush(), "a handler that did not flush each record is left as it was");
    }

    @Test
    void a_logger_that_does_not_use_its_parents_handlers_holds_only_its_own() {
        Output own = new Output();
        Output parents = new Output();
        OutputStreamHandler ownHandler = handler(own);
        OutputStreamHandler parentHandler = handler(parents);
        audit.addHandler(ownHandler);
        audit.setUseParentHandlers(false);
        context.getLogger("").addHandler(parentHandler);
        BatchFlushes flushes = new BatchFlushes(audit);

        flushes.hold();
        assertFalse(ownHandler.isAutoFlush());
        assertTrue(parentHandler.isAutoFlush(), "the audit's records never reach it: left alone");
        flushes.release();
        assertTrue(ownHandler.isAutoFlush());
    }
}

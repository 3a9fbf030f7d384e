package org.smartbff.observe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Audit events on their way out, off the threads that record them: a bounded queue, emptied in batches by one writer
 * thread that wakes when a batch is full or a short interval has passed (so a busy service pays one thread wake-up per
 * batch, not one per event), and emptied once more on {@link #close()}.
 *
 * <p>
 * Recording never blocks an event loop: when the queue is full (the output has stalled for as long as it takes to
 * record {@code capacity} events), the event is dropped and reported to {@link Problems}. Events are
 * written in the order they were recorded. After {@link #close()}, events are written on the recording thread.
 */
final class AuditWriter implements AutoCloseable {

    /** Where events go. */
    @FunctionalInterface
    interface Sink {
        /** Writes one event; called by one thread at a time, in recording order. */
        void write(Audit.Event event);

        /** Before the events of one batch: the output may hold them back (for one flush) until {@link #batchEnded}. */
        default void batchStarting() {
        }

        /** After the last event of a batch, however its writing went: whatever was held back goes out now. */
        default void batchEnded() {
        }
    }

    /** What goes wrong, reported where it can be counted and said (the metric, the service log). */
    interface Problems {
        /** An event was dropped: the queue was full. On the recording thread: must not block. */
        void dropped();

        /** Once per batch, on the writer thread: {@code count} events were dropped since the last report. */
        void droppedSince(int count);

        /** The sink refused an event; the ones after it are written all the same. On the writer thread. */
        void unwritable(RuntimeException failure);
    }

    private final Queue<Audit.Event> queue = new ConcurrentLinkedQueue<>();
    /** Events in the queue; the bound is kept with it, as ConcurrentLinkedQueue's size() counts node by node. */
    private final AtomicInteger queued = new AtomicInteger();
    private final int capacity;
    private final int batch;
    private final long intervalNanos;
    private final Sink sink;
    private final Problems problems;
    /** Held while events are taken and written: one writer at a time keeps them in order. */
    private final ReentrantLock writing = new ReentrantLock();
    private final AtomicInteger droppedSinceWarning = new AtomicInteger();
    private final Thread thread;
    private volatile boolean closed;

    /**
     * @param capacity events held at most before new ones are dropped
     * @param batch events that wake the writer before its interval is up
     * @param interval the longest an event waits in the queue while the writer is idle
     * @param sink writes events one at a time, in recording order, and is told where each batch begins and ends
     * @param problems told of dropped events and of events the sink refused
     */
    AuditWriter(int capacity, int batch, Duration interval, Sink sink, Problems problems) {
        if (capacity < 1 || batch < 1 || batch > capacity) {
            throw new IllegalArgumentException("capacity " + capacity + ", batch " + batch);
        }
        this.capacity = capacity;
        this.batch = batch;
        this.intervalNanos = interval.toNanos();
        this.sink = sink;
        this.problems = problems;
        this.thread = new Thread(this::run, "smart-bff-audit");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues an event; never blocks (unless closed: then it is written at once). */
    void offer(Audit.Event event) {
        if (closed) {
            writeNow(event);
            return;
        }
        int size = queued.incrementAndGet();
        if (size > capacity) {
            queued.decrementAndGet();
            droppedSinceWarning.incrementAndGet();
            problems.dropped();
            return;
        }
        queue.add(event);
        if (size == batch) {
            LockSupport.unpark(thread);
        }
    }

    /** Writes everything recorded before this call; returns once it is written. Blocks: not for event loops. */
    void flush() {
        drain();
    }

    /** Stops the writer thread and writes what is queued. Events recorded afterwards are written as they come. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drain();
    }

    private void run() {
        while (!closed) {
            LockSupport.parkNanos(this, intervalNanos);
            drain();
        }
    }

    private void drain() {
        writing.lock();
        try {
            List<Audit.Event> taken = new ArrayList<>(Math.min(queued.get(), batch) + 1);
            Audit.Event event;
            while ((event = queue.poll()) != null) {
                taken.add(event);
                if (taken.size() == batch) {
                    write(taken);
                }
            }
            write(taken);
            int dropped = droppedSinceWarning.getAndSet(0);
            if (dropped > 0) {
                problems.droppedSince(dropped);
            }
        } finally {
            writing.unlock();
        }
    }

    private void write(List<Audit.Event> taken) {
        if (taken.isEmpty()) {
            return;
        }
        queued.addAndGet(-taken.size());
        try {
            sink.batchStarting();
        } catch (RuntimeException e) {
            // The events are written all the same, flushed one by one.
            problems.unwritable(e);
        }
        for (Audit.Event event : taken) {
            writeNow(event);
        }
        try {
            sink.batchEnded();
        } catch (RuntimeException e) {
            problems.unwritable(e);
        }
        taken.clear();
    }

    private void writeNow(Audit.Event event) {
        try {
            sink.write(event);
        } catch (RuntimeException e) {
            // One event the output refused must not stop the trail: say so and go on with the next.
            problems.unwritable(e);
        }
    }
}

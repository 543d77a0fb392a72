package org.flowlens.api.flow;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The unit of hand-off: an ordered batch of records. Sources and decoders fill a batch, the
 * pipeline enriches it and then hands the same batch to every consumer, which must not modify it.
 */
public final class FlowBatch implements Iterable<FlowRecord> {
    private FlowRecord[] records;
    private int size;

    public FlowBatch() {
        this(64);
    }

    public FlowBatch(int capacity) {
        records = new FlowRecord[Math.max(1, capacity)];
    }

    /** Appends a new, empty record and returns it for the caller to fill. */
    public FlowRecord next() {
        FlowRecord r = new FlowRecord();
        add(r);
        return r;
    }

    public void add(FlowRecord record) {
        if (size == records.length) {
            records = Arrays.copyOf(records, size * 2);
        }
        records[size++] = record;
    }

    /** Removes the last record, e.g. one a decoder started but found invalid. */
    public void dropLast() {
        if (size > 0) {
            records[--size] = null;
        }
    }

    public FlowRecord get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException(index);
        }
        return records[index];
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public void clear() {
        Arrays.fill(records, 0, size, null);
        size = 0;
    }

    @Override
    public Iterator<FlowRecord> iterator() {
        return new Iterator<>() {
            int i;

            @Override
            public boolean hasNext() {
                return i < size;
            }

            @Override
            public FlowRecord next() {
                if (i >= size) {
                    throw new NoSuchElementException();
                }
                return records[i++];
            }
        };
    }
}

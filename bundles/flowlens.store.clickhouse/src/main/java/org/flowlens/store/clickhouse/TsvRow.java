package org.flowlens.store.clickhouse;

import java.util.ArrayList;
import java.util.List;

import org.flowlens.store.sql.RowSource;
import org.flowlens.store.sql.StoreException;

/** One line of ClickHouse's TabSeparated output as a {@link RowSource}. */
final class TsvRow implements RowSource {
    private final List<String> fields = new ArrayList<>();

    /** Splits and unescapes a line (without its line feed). */
    void parse(String line) {
        fields.clear();
        StringBuilder sb = new StringBuilder();
        for (int i = 0, n = line.length(); i < n; i++) {
            char c = line.charAt(i);
            if (c == '\t') {
                fields.add(sb.toString());
                sb.setLength(0);
            } else if (c == '\\' && i + 1 < n) {
                char e = line.charAt(++i);
                sb.append(switch (e) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    case '0' -> '\0';
                    default -> e;
                });
            } else {
                sb.append(c);
            }
        }
        fields.add(sb.toString());
    }

    int size() {
        return fields.size();
    }

    private String field(int column) {
        if (column >= fields.size()) {
            throw new StoreException("ClickHouse answered " + fields.size() + " columns, column " + column + " was asked for");
        }
        return fields.get(column);
    }

    @Override
    public long int64(int column) {
        String f = field(column);
        try {
            return f.startsWith("-") ? Long.parseLong(f) : Long.parseUnsignedLong(f);
        } catch (NumberFormatException e) {
            throw new StoreException("ClickHouse answered '" + f + "' where a number was expected");
        }
    }

    @Override
    public int int32(int column) {
        return (int) int64(column);
    }

    @Override
    public float float32(int column) {
        String f = field(column);
        switch (f) {
            case "nan", "-nan":
                return Float.NaN;
            case "inf", "+inf":
                return Float.POSITIVE_INFINITY;
            case "-inf":
                return Float.NEGATIVE_INFINITY;
            default:
                try {
                    return Float.parseFloat(f);
                } catch (NumberFormatException e) {
                    throw new StoreException("ClickHouse answered '" + f + "' where a number was expected");
                }
        }
    }

    @Override
    public String string(int column) {
        String f = field(column);
        return f.isEmpty() ? null : f;
    }
}

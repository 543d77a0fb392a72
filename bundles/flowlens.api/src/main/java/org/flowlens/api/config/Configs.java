package org.flowlens.api.config;

import java.lang.annotation.Annotation;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * Instances of component property types (Metatype Config annotations) from a map of values, the
 * annotation's defaults filling the rest. Components use it for their defaults when the first
 * configuration they get is invalid and to check a configuration ({@link ConfigurationCheck}); tests
 * use it to configure components.
 */
public final class Configs {
    private Configs() {}

    public static <A extends Annotation> A defaults(Class<A> type) {
        return of(type, Map.of());
    }

    @SuppressWarnings("unchecked")
    public static <A extends Annotation> A of(Class<A> type, Map<String, ?> values) {
        return (A) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
            switch (m.getName()) {
                case "annotationType":
                    return type;
                case "toString":
                    return type.getSimpleName() + values;
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == args[0];
                default:
                    break;
            }
            Object v = values.get(m.getName());
            if (v == null) {
                return m.getDefaultValue();
            }
            return convert(v, m);
        });
    }

    private static Object convert(Object v, Method m) {
        Class<?> t = m.getReturnType();
        if (t.isInstance(v)) {
            return v;
        }
        if (t == String[].class) {
            if (v instanceof String s) {
                return new String[] {s};
            }
            if (v instanceof Object[] a) {
                String[] out = new String[a.length];
                for (int i = 0; i < a.length; i++) {
                    out[i] = String.valueOf(a[i]);
                }
                return out;
            }
        }
        String s = String.valueOf(v);
        if (t == int.class) {
            return Integer.parseInt(s.trim());
        }
        if (t == long.class) {
            return Long.parseLong(s.trim());
        }
        if (t == double.class) {
            return Double.parseDouble(s.trim());
        }
        if (t == boolean.class) {
            return Boolean.parseBoolean(s.trim());
        }
        if (t == String.class) {
            return s;
        }
        if (t.isArray()) {
            Object a = Array.newInstance(t.getComponentType(), 1);
            Array.set(a, 0, v);
            return a;
        }
        throw new IllegalArgumentException("cannot convert " + v + " for " + m.getName());
    }
}

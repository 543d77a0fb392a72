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
            Object v = values.get(key(m.getName()));
            if (v == null) {
                v = values.get(m.getName());
            }
            if (v == null) {
                return m.getDefaultValue();
            }
            return convert(v, m);
        });
    }

    /**
     * The property name of an element, as Declarative Services maps it: {@code _} becomes {@code .}
     * ({@code __} stays one {@code _}), {@code $_$} becomes {@code -}, {@code $$} stays one {@code $},
     * another {@code $} goes.
     */
    static String key(String method) {
        StringBuilder sb = new StringBuilder(method.length());
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (c == '_') {
                if (i + 1 < method.length() && method.charAt(i + 1) == '_') {
                    sb.append('_');
                    i++;
                } else {
                    sb.append('.');
                }
            } else if (c == '$') {
                if (method.startsWith("$_$", i)) {
                    sb.append('-');
                    i += 2;
                } else if (i + 1 < method.length() && method.charAt(i + 1) == '$') {
                    sb.append('$');
                    i++;
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
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

package org.flowlens.collector.udp;

import java.lang.reflect.Proxy;
import java.util.Map;

/** Builds instances of a component's Config annotation: defaults, with some values overridden. */
final class Configs {
    private Configs() {}

    static <T> T of(Class<T> type, Map<String, Object> values) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            if (method.getName().equals("annotationType")) {
                return type;
            }
            if (values.containsKey(method.getName())) {
                return values.get(method.getName());
            }
            Object d = method.getDefaultValue();
            if (d == null) {
                throw new IllegalStateException("no value for " + method.getName());
            }
            return d;
        }));
    }
}

package org.flowlens.forward;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;

/** A component property type instance with its defaults, some overridden, as DS would build it. */
final class TestConfig {
    private TestConfig() {}

    @SuppressWarnings("unchecked")
    static <A> A of(Class<A> type, Map<String, Object> values) {
        for (String key : values.keySet()) {
            try {
                type.getMethod(key);
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException(type.getSimpleName() + " has no " + key);
            }
        }
        return (A) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            Method m = method;
            if (m.getName().equals("annotationType")) {
                return type;
            }
            if (m.getName().equals("toString")) {
                return type.getSimpleName() + values;
            }
            if (m.getName().equals("hashCode")) {
                return values.hashCode();
            }
            if (m.getName().equals("equals")) {
                return proxy == args[0];
            }
            return values.containsKey(m.getName()) ? values.get(m.getName()) : m.getDefaultValue();
        });
    }
}

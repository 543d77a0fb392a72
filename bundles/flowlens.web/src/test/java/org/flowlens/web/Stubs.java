package org.flowlens.web;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;

/** Small stand-ins for the servlet and configuration interfaces the tests need. */
final class Stubs {
    private Stubs() {}

    /** A request with these headers, local address and remote address; cookies from the Cookie header. */
    static HttpServletRequest request(String local, String remote, Map<String, String> headers) {
        return (HttpServletRequest) Proxy.newProxyInstance(Stubs.class.getClassLoader(), new Class<?>[] {HttpServletRequest.class}, (p, m, a) -> {
            switch (m.getName()) {
                case "getLocalAddr":
                    return local;
                case "getRemoteAddr":
                    return remote;
                case "getHeader":
                    return headers.get((String) a[0]);
                case "getCookies":
                    String c = headers.get("Cookie");
                    if (c == null) {
                        return null;
                    }
                    String[] kv = c.split("=", 2);
                    return new Cookie[] {new Cookie(kv[0], kv[1])};
                case "getParameter":
                    return headers.get("param:" + a[0]);
                case "isSecure":
                    return false;
                default:
                    throw new UnsupportedOperationException(m.getName());
            }
        });
    }

    /** An instance of a configuration annotation with its defaults, some overridden. */
    @SuppressWarnings("unchecked")
    static <A> A config(Class<A> type, Map<String, Object> values) {
        Map<String, Object> v = new HashMap<>(values);
        return (A) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
            if (v.containsKey(m.getName())) {
                return v.get(m.getName());
            }
            return m.getDefaultValue();
        });
    }
}
